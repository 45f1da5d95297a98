// Browser sign-in: a token typed into /signin, or a `?token=` link printed at start, becomes an HttpOnly
// cookie (SameSite=Lax, this port only) holding a random sign-in id, not the token (signins.ts): sign-out
// ends it for every copy of the cookie. The link is then redirected to itself without the token, so it
// does not linger in the address bar or history. The cookie rides along on every same-origin request
// and on the socket upgrade, so the web app needs no token handling of its own. Where a sign-in sends
// the browser next is a path on this server, resolved against it (never another host), and off
// loopback a client whose tokens keep failing waits (429) before any token it sends is checked.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { bodyLimit } from 'hono/body-limit';
import type { Ctx } from '../context.ts';
import { clientKey, cookieName, credentialOf, failed, mustWait, requestCredential } from './auth.ts';
import { TOO_MANY } from './backoff.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const HOME = 'http://this.invalid';

/** Only a path (and query) on this server, resolved as a browser would resolve it against our own origin:
 * control characters and backslashes (which browsers drop or turn into slashes), absolute and
 * protocol-relative URLs, and anything resolving to `//…` give `/` (no open redirect). */
export function localPath(p: unknown): string {
  if (typeof p !== 'string' || !p.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(p)) return '/';
  let u: URL;
  try {
    u = new URL(p, HOME);
  } catch {
    return '/';
  }
  const out = u.pathname + u.search;
  return u.origin === HOME && !out.startsWith('//') ? out : '/';
}

function page(next: string, error = '', who = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>hilt — sign in</title><style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:12vh auto;padding:0 1rem}
input{font:inherit;width:100%;padding:.5rem;box-sizing:border-box}button{font:inherit;margin-top:.75rem;padding:.5rem 1rem}
.err{color:#b00020}</style></head><body><h1>hilt</h1>
${who ? `<p>Signed in as <b>${esc(who)}</b>.</p>` : ''}<p>This server needs a token. Paste the one you were given (or open the sign-in link).</p>
${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/signin"><input type="hidden" name="next" value="${esc(next)}">
<label>Token <input name="token" type="password" autocomplete="current-password" autofocus required></label>
<button type="submit">Sign in</button></form></body></html>`;
}

function signIn(ctx: Ctx, c: Context, token: string): void {
  setCookie(c, cookieName(ctx.config), ctx.config.signins.create(token), {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: 30 * 24 * 3600,
    secure: c.req.header('x-forwarded-proto') === 'https' || new URL(c.req.url).protocol === 'https:',
  });
}

export function signinRoutes(ctx: Ctx): Hono {
  return new Hono()
    .get('/signin', (c) => {
      const cred = requestCredential(ctx, c);
      return c.html(
        page(
          localPath(c.req.query('next')),
          '',
          cred?.kind === 'annotator' ? cred.name : cred ? 'the server token' : '',
        ),
      );
    })
    .post('/signin', bodyLimit({ maxSize: 4096, onError: (c) => c.text('too large', 413) }), async (c) => {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const next = localPath(form.next);
      const token = typeof form.token === 'string' ? form.token.trim() : '';
      const key = clientKey(c);
      const wait = mustWait(ctx.config, key);
      if (wait) return c.html(page(next, `${TOO_MANY} (${wait} s).`), 429, { 'Retry-After': String(wait) });
      if (!credentialOf(ctx.config, token)) {
        failed(ctx.config, key);
        return c.html(page(next, 'That token is not valid here.'), 401);
      }
      signIn(ctx, c, token);
      return c.redirect(next, 303);
    })
    .post('/signout', (c) => {
      ctx.config.signins.forget(getCookie(c, cookieName(ctx.config)));
      deleteCookie(c, cookieName(ctx.config), { path: '/' });
      return c.redirect('/signin', 303);
    });
}

/** `GET /any/page?token=T`: sign in with T and come back to the same page without it. */
export function tokenLink(ctx: Ctx): MiddlewareHandler {
  return async (c, next) => {
    const token = c.req.query('token');
    if (token === undefined || c.req.method !== 'GET' || c.req.path.startsWith('/api/')) return next();
    const url = new URL(c.req.url);
    url.searchParams.delete('token');
    const back = localPath(url.pathname + url.search);
    const key = clientKey(c);
    const wait = mustWait(ctx.config, key);
    if (wait) return c.html(page(back, `${TOO_MANY} (${wait} s).`), 429, { 'Retry-After': String(wait) });
    if (!credentialOf(ctx.config, token)) {
      failed(ctx.config, key);
      return c.html(page(back, 'The token in that link is not valid here.'), 401);
    }
    signIn(ctx, c, token);
    return c.redirect(back, 303);
  };
}
