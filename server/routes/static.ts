// The built SPA (dist/web) at /, with index.html for the client-side routes.
import { Hono } from 'hono';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Ctx } from '../context.ts';

export function staticRoutes(ctx: Ctx) {
  const app = new Hono();
  const dir = ctx.config.webDir;
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    app.get('/', (c) => c.text('hilt: the web app is not built yet — run `npm run build` (the API is at /api).', 503));
    return app;
  }
  app.use(
    '/assets/*',
    serveStatic({
      root: dir,
      onFound: (_p, c) => {
        c.header('Cache-Control', 'public, max-age=31536000, immutable');
      },
    }),
  );
  app.use('/*', serveStatic({ root: dir }));
  const index = () => readFileSync(join(dir, 'index.html'), 'utf8');
  app.get('*', (c) => (c.req.path.includes('.') ? c.notFound() : c.html(index())));
  return app;
}
