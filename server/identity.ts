// Who is labelling. A per-annotator token (the auth middleware sets `authAnnotator`) is the identity when
// present; otherwise every browser gets a random id in an HttpOnly cookie on its first request, so two
// people at two screens are always two annotators, named or not. The name a browser picks (X-Annotator)
// is only a label (percent-encoded UTF-8: any script): claims key on the id, so renaming or sharing a name
// never lets two screens collide.
import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const COOKIE = 'hilt_aid';
const ID_RE = /^[A-Za-z0-9_-]{16,64}$/;
/** ids minted for requests that arrived without the cookie (the response sets it) */
const minted = new WeakMap<Request, string>();

export interface Identity {
  /** stable: the token's annotator, or this browser's cookie id */
  id: string;
  /** the display name the browser chose (or the token's annotator); null when none */
  name: string | null;
  /** what annotations and stats record: the name, or `guest-<first 6 of the id>` */
  annotator: string;
  /** claims key: never equal for two browsers, whatever their names */
  claimKey: string;
  /** true when a per-annotator token said who this is */
  authenticated: boolean;
}

/** A display name from X-Annotator: trimmed, printable, at most 64 characters; "anonymous" means none. */
export function cleanName(raw: string | undefined | null): string | null {
  const n = (raw ?? '')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, 64);
  return n && n.toLowerCase() !== 'anonymous' ? n : null;
}

/** The display name of an X-Annotator header. A header carries Latin-1 only, so the web app sends the
 * name percent-encoded (UTF-8): decoded here. Raw UTF-8 bytes (a script's `-H`) arrive as Latin-1
 * characters and are read back as UTF-8 when they are valid UTF-8; anything else is taken as it came. */
export function nameFromHeader(raw: string | undefined | null): string | null {
  let v = raw ?? '';
  if (/[\u0080-\u00ff]/.test(v) && !/[^\u0000-\u00ff]/.test(v)) {
    const utf8 = Buffer.from(v, 'latin1').toString('utf8');
    if (!utf8.includes('\ufffd')) v = utf8;
  }
  if (v.includes('%')) {
    try {
      v = decodeURIComponent(v);
    } catch {
      /* not percent-encoding: as it came */
    }
  }
  return cleanName(v);
}

const newId = () => randomBytes(12).toString('base64url');

/** A request handed on (the per-session API gets a copy of the URL) keeps the id minted for the original. */
export function shareIdentity(from: Request, to: Request): void {
  const id = minted.get(from);
  if (id) minted.set(to, id);
}

function setIdCookie(c: Context, id: string): void {
  // HttpOnly: page scripts never see it; Strict: other sites cannot label as this browser
  setCookie(c, COOKIE, id, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 400 * 24 * 3600 });
}

/** Gives every browser its id cookie on its first request (the SPA's index.html, before any API call). */
export function identityCookie(): MiddlewareHandler {
  return async (c, next) => {
    if (!ID_RE.test(getCookie(c, COOKIE) ?? '') && !minted.has(c.req.raw)) minted.set(c.req.raw, newId());
    await next();
    // after the handler, so that raw Response objects (static files) carry it too
    const id = minted.get(c.req.raw);
    if (id && !c.res.headers.get('set-cookie')?.includes(COOKIE + '=')) setIdCookie(c, id);
  };
}

function authAnnotator(c: Context): string | null {
  // set by the other auth middleware when a per-annotator token authenticated the request
  const v = (c as unknown as { get(key: string): unknown }).get('authAnnotator');
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, 64) : null;
}

export function annotatorOf(c: Context): Identity {
  const auth = authAnnotator(c);
  if (auth) return { id: auth, name: auth, annotator: auth, claimKey: `token:${auth}`, authenticated: true };
  const name = nameFromHeader(c.req.header('x-annotator'));
  const cookie = getCookie(c, COOKIE) ?? '';
  if (ID_RE.test(cookie))
    return {
      id: cookie,
      name,
      annotator: name ?? `guest-${cookie.slice(0, 6)}`,
      claimKey: `browser:${cookie}`,
      authenticated: false,
    };
  // no cookie: a script or a first request. A named client (the simulator, curl -H) keeps one identity
  // by its name; an unnamed one is a new guest (the response carries the cookie that keeps it)
  let id = minted.get(c.req.raw);
  if (!id) {
    id = newId();
    minted.set(c.req.raw, id);
  } // identityCookie() sends it
  if (name) return { id, name, annotator: name, claimKey: `name:${name}`, authenticated: false };
  return { id, name, annotator: `guest-${id.slice(0, 6)}`, claimKey: `browser:${id}`, authenticated: false };
}
