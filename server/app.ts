// The Hono app: one sub-app per resource, one onError mapping AppError to {"error":{"code","message"}}.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { AppError, isClosedDb } from './errors.ts';
import type { Ctx, Registry } from './context.ts';
import type { Context } from 'hono';
import { projectsRoutes } from './routes/sessions.ts';
import { mayOpen } from './security/auth.ts';
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
import { securityHeaders } from './security/headers.ts';
import { authenticate } from './security/auth.ts';
import { signinRoutes, tokenLink } from './security/signin.ts';
import { meRoutes } from './routes/me.ts';
import { evaluationRoutes } from './routes/evaluation.ts';
import { hintRoutes, reviewRoutes } from './routes/review.ts';
import { identityCookie } from './identity.ts';
import { RESETTING } from './annotate.ts';

/** Every /api route, chained so that its type (AppType) carries each route's input and output. */
export function apiRoutes(ctx: Ctx) {
  return new Hono()
    .get('/api/health', (c) => c.json({ ok: true, session: ctx.session.name, version: 1 }))
    .route('/api/session', sessionRoutes(ctx))
    .route('/api/classes', classRoutes(ctx))
    .route('/api/images', annotationRoutes(ctx))
    .route('/api/images', imageRoutes(ctx))
    .route('/api/next', nextRoutes(ctx))
    .route('/api/strategies', strategyRoutes())
    .route('/api/stats', statsRoutes(ctx))
    .route('/api/evaluation', evaluationRoutes(ctx))
    .route('/api/review', reviewRoutes(ctx))
    .route('/api/hints', hintRoutes(ctx))
    .route('/api', dataRoutes(ctx))
    .route('/api/predict', predictRoutes(ctx))
    .route('/api/me', meRoutes());
}

/** The API's type: the browser's client (web/src/api.ts, `hc<AppType>`) takes its inputs and answers from it. */
export type AppType = ReturnType<typeof apiRoutes>;

/** Maps AppError (and Hono's, and a JSON syntax error) to {"error":{"code","message"}}; anything else is a 500. */
export function onAppError(err: Error, c: Context) {
  if (err instanceof AppError)
    return c.json({ error: { code: err.code, message: err.message } }, err.status as 400, err.headers);
  if (err instanceof HTTPException)
    return c.json({ error: { code: 'http_error', message: err.message || 'bad request' } }, err.status);
  if (err instanceof SyntaxError)
    return c.json({ error: { code: 'invalid_json', message: 'request body is not valid JSON' } }, 400);
  // a request that began before a reset closed the session's database: the client sends it again
  if (isClosedDb(err)) {
    return c.json({ error: { code: 'session_resetting', message: RESETTING } }, 503, { 'Retry-After': '1' });
  }
  console.error(`[server] ${c.req.method} ${c.req.path} failed:`, err);
  // the details (SQL, paths) go to the server log, not to whoever sent the request
  return c.json({ error: { code: 'internal', message: 'internal error (details in the server log)' } }, 500);
}

/** routes of the single-session API that name no session's data */
const SESSIONLESS = /^\/api\/(me|health|strategies|sessions)(\/|$)/;

/** `reg`: every session under the sessions folder at /api/sessions (the default session's at /api/… too). */
export function createApp(ctx: Ctx, reg?: Registry): Hono {
  const app = new Hono();
  // order matters: who may ask at all (Host, Origin), what they may send, who they are, then the routes
  app.use('*', securityHeaders(ctx));
  app.use('*', guard(ctx));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: ctx.config.bodyLimit,
      onError: () => {
        throw new AppError(413, 'payload_too_large', `request body over ${ctx.config.bodyLimit} bytes`);
      },
    }),
  );
  app.use('/api/*', jsonOnly([/^\/api\/predict$/, /^\/api\/sessions\/[^/]+\/predict$/]));
  app.route('/', signinRoutes(ctx));
  app.use('*', tokenLink(ctx));
  app.use('*', authenticate(ctx));
  app.use('*', identityCookie());
  if (reg) app.route('/api/sessions', projectsRoutes(reg));
  // the single-session routes address the default session: a token limited to other sessions may not
  app.use('/api/*', async (c, next) => {
    if (!SESSIONLESS.test(c.req.path) && !mayOpen(c.get('hiltCredential') ?? null, ctx.session.name))
      throw new AppError(403, 'forbidden_session', `this token is not for session "${ctx.session.name}"`);
    await next();
  });
  app.route('/', apiRoutes(ctx));
  app.all('/api/*', (c) =>
    c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.route('/', staticRoutes(ctx));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError(onAppError);
  return app;
}
