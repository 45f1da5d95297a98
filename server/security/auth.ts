// Who is asking. Off loopback every route and both socket roles need a credential: the server token
// (--token, printed at start) or a per-annotator token (`hilt token add NAME`), presented as
// `Authorization: Bearer T`, as the sign-in cookie (a sign-in id standing for the token: signins.ts),
// or (page links and sockets only) as `?token=T`. Tokens under MIN_TOKEN characters never match.
// Off loopback a client whose tokens keep failing is made to wait (backoff.ts).
// On loopback nothing is required, but a per-annotator credential still names the annotator.
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Ctx, ServerConfig } from '../context.ts';
import { AppError } from '../errors.ts';
import { sameSecret } from './tokens.ts';
import { TOO_MANY } from './backoff.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /** set when a per-annotator token authenticated the request: the annotator's name (identity.ts prefers it) */
    authAnnotator: string;
    /** the credential the request came with (null: none) */
    hiltCredential: Credential | null;
  }
}

/** `sessions`: the sessions a per-annotator token is limited to (null: every session) */
export type Credential = { kind: 'server' } | { kind: 'annotator'; name: string; sessions: string[] | null };

/** Whether a credential may open a session (no credential: only where none is required, which the caller decides). */
export function mayOpen(cred: Credential | null, session: string): boolean {
  return !(cred?.kind === 'annotator' && cred.sessions && !cred.sessions.includes(session));
}

/** the shortest token accepted (--token, or any token presented) */
export const MIN_TOKEN = 16;

/** One cookie per port: two hilt servers on one host must not sign each other out. */
export const cookieName = (config: ServerConfig) => `hilt_auth_${config.port}`;

export function credentialOf(config: ServerConfig, token: string | null | undefined): Credential | null {
  if (!token || token.length < MIN_TOKEN || token.length > 512) return null;
  if (config.token && sameSecret(token, config.token)) return { kind: 'server' };
  const t = config.tokens.lookup(token);
  return t ? { kind: 'annotator', name: t.name, sessions: t.sessions } : null;
}

export function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : null;
}

/** A cookie's value from a raw Cookie header (the socket upgrade has no hono context). */
export function cookieFrom(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** the client's address (the socket's peer; forwarded-for headers are not trusted) */
export function clientKey(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Seconds this client must wait before a token it presents is checked (0: check it). Off loopback only. */
export function mustWait(config: ServerConfig, key: string): number {
  return config.requireAuth ? Math.ceil(config.failures.retryAfterMs(key) / 1000) : 0;
}
export function failed(config: ServerConfig, key: string): void {
  if (config.requireAuth) config.failures.fail(key);
}
export const tooMany = (secs: number) =>
  new AppError(429, 'too_many_attempts', `${TOO_MANY} (${secs} s)`, { 'Retry-After': String(secs) });

export function requestCredential(ctx: Ctx, c: Context): Credential | null {
  const b = bearer(c.req.header('authorization'));
  if (b !== null) return credentialOf(ctx.config, b);
  return credentialOf(ctx.config, ctx.config.signins.token(getCookie(c, cookieName(ctx.config))));
}

export const UNAUTHORISED =
  'sign in first: this server needs a token (ask whoever runs it for a sign-in link, or open /signin)';

/** Sets `authAnnotator`; off loopback, refuses requests without a credential (401 JSON for the API,
 * a redirect to the sign-in page for page loads), and a client backing off (429). */
export function authenticate(ctx: Ctx): MiddlewareHandler {
  return async (c, next) => {
    const presented = bearer(c.req.header('authorization')) !== null;
    const key = clientKey(c);
    if (presented) {
      const wait = mustWait(ctx.config, key);
      if (wait) throw tooMany(wait);
    }
    const cred = requestCredential(ctx, c);
    if (presented && !cred) failed(ctx.config, key);
    if (cred?.kind === 'annotator') c.set('authAnnotator', cred.name);
    c.set('hiltCredential', cred);
    if (cred || !ctx.config.requireAuth) return next();
    if (!c.req.path.startsWith('/api/') && (c.req.method === 'GET' || c.req.method === 'HEAD')) {
      const url = new URL(c.req.url);
      return c.redirect(`/signin?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    throw new AppError(401, 'unauthorised', UNAUTHORISED);
  };
}
