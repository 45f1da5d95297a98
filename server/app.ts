// The Hono app: one sub-app per resource, one onError mapping AppError to {"error":{"code","message"}}.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { AppError } from './errors.ts';
import type { Ctx } from './context.ts';
import { sessionRoutes } from './routes/session.ts';
import { classRoutes } from './routes/classes.ts';
import { imageRoutes } from './routes/images.ts';
import { annotationRoutes } from './routes/annotations.ts';
import { nextRoutes, strategyRoutes } from './routes/next.ts';
import { statsRoutes } from './routes/stats.ts';
import { dataRoutes } from './routes/data.ts';
import { staticRoutes } from './routes/static.ts';
import { predictRoutes } from './routes/predict.ts';
import { guard, jsonOnly } from './security/guard.ts';
import { authenticate } from './security/auth.ts';
import { signinRoutes, tokenLink } from './security/signin.ts';
import { meRoutes } from './routes/me.ts';
import { evaluationRoutes } from './routes/evaluation.ts';
import { hintRoutes, reviewRoutes } from './routes/review.ts';
import { identityCookie } from './identity.ts';

export function createApp(ctx: Ctx): Hono {
  const app = new Hono();
  // order matters: who may ask at all (Host, Origin), what they may send, who they are, then the routes
  app.use('*', guard(ctx));
  app.use('/api/*', bodyLimit({
    maxSize: ctx.config.bodyLimit,
    onError: () => { throw new AppError(413, 'payload_too_large', `request body over ${ctx.config.bodyLimit} bytes`); },
  }));
  app.use('/api/*', jsonOnly(['/api/predict']));
  app.route('/', signinRoutes(ctx));
  app.use('*', tokenLink(ctx));
  app.use('*', authenticate(ctx));
  app.use('*', identityCookie());
  app.get('/api/health', (c) => c.json({ ok: true, session: ctx.session.name, version: 1 }));
  app.route('/api/session', sessionRoutes(ctx));
  app.route('/api/classes', classRoutes(ctx));
  app.route('/api/images', annotationRoutes(ctx));
  app.route('/api/images', imageRoutes(ctx));
  app.route('/api/next', nextRoutes(ctx));
  app.route('/api/strategies', strategyRoutes());
  app.route('/api/stats', statsRoutes(ctx));
  app.route('/api/evaluation', evaluationRoutes(ctx));
  app.route('/api/review', reviewRoutes(ctx));
  app.route('/api/hints', hintRoutes(ctx));
  app.route('/api', dataRoutes(ctx));
  app.route('/api/predict', predictRoutes(ctx));
  app.route('/api/me', meRoutes());
  app.all('/api/*', (c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.route('/', staticRoutes(ctx));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((err, c) => {
    if (err instanceof AppError) return c.json({ error: { code: err.code, message: err.message } }, err.status as 400);
    if (err instanceof HTTPException) return c.json({ error: { code: 'http_error', message: err.message || 'bad request' } }, err.status);
    if (err instanceof SyntaxError) return c.json({ error: { code: 'invalid_json', message: 'request body is not valid JSON' } }, 400);
    console.error(`[server] ${c.req.method} ${c.req.path} failed:`, err);
    // the details (SQL, paths) go to the server log, not to whoever sent the request
    return c.json({ error: { code: 'internal', message: 'internal error (details in the server log)' } }, 500);
  });
  return app;
}
