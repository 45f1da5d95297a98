// Request guards that run before any route: the Host allow-list (DNS rebinding), the Origin check on
// every state-changing request (cross-site writes), and application/json on JSON routes (a text/plain
// body is a "simple" request a foreign page can send without a CORS preflight).
import type { MiddlewareHandler } from 'hono';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { hostAllowed, originAllowed } from './hosts.ts';

export const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const show = (v: string | undefined) => JSON.stringify((v ?? '').slice(0, 100));

export function hostOriginProblem(
  ctx: Ctx,
  h: { host?: string; origin?: string; secFetchSite?: string },
  checkOrigin: boolean,
): AppError | null {
  if (!hostAllowed(h.host, ctx.config.allowHosts)) {
    return new AppError(
      403,
      'forbidden_host',
      `this server does not answer to Host ${show(h.host)} (start it with --allow-host NAME to add a name)`,
    );
  }
  if (checkOrigin && !originAllowed(h, ctx.config.allowOrigins)) {
    return new AppError(
      403,
      'forbidden_origin',
      `cross-origin request from ${show(h.origin ?? h.secFetchSite)} refused (start the server with --allow-origin ORIGIN to allow one)`,
    );
  }
  return null;
}

export function guard(ctx: Ctx): MiddlewareHandler {
  return async (c, next) => {
    const problem = hostOriginProblem(
      ctx,
      {
        host: c.req.header('host'),
        origin: c.req.header('origin'),
        secFetchSite: c.req.header('sec-fetch-site'),
      },
      MUTATING.has(c.req.method),
    );
    if (problem) throw problem;
    return next();
  };
}

/** Mutating /api routes that carry a body must say application/json (POST /api/predict takes image bytes). */
export function jsonOnly(except: RegExp[] = []): MiddlewareHandler {
  return async (c, next) => {
    if (!MUTATING.has(c.req.method) || except.some((r) => r.test(c.req.path))) return next();
    const hasBody = (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined;
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (hasBody && type !== 'application/json') {
      throw new AppError(
        415,
        'unsupported_media_type',
        `send JSON with Content-Type: application/json (got ${show(type || 'none')})`,
      );
    }
    return next();
  };
}
