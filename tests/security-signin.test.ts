// Sign-in off loopback: redirects that stay on this server, no short tokens and a back-off per client
// after failed attempts, a random session id in the cookie (sign-out and revocation end it), and open
// sockets closed when their credential stops resolving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '../common/protocol.ts';
import { startServer, type Running } from '../server/serve.ts';
import { addToken, removeToken, tokensFile } from '../server/security/tokens.ts';
import { failureLimiter } from '../server/security/backoff.ts';
import { makeSession, tempDir } from './helpers/fixtures.ts';
import { raw, socketPeer } from './helpers/http.ts';

const TOKEN = 'server-token-for-signin-tests';
let dir: string;
let srv: Running;
let base: string;
const start = (o: { token?: string } = {}) =>
  startServer({
    sessionsDir: dir,
    session: 'in',
    port: 0,
    host: '0.0.0.0',
    token: o.token ?? TOKEN,
    webDir: null,
    log: () => {},
  });
const form = (b: string, body: string) =>
  raw(b, 'POST', '/signin', { 'content-type': 'application/x-www-form-urlencoded', origin: b }, body);
const cookieOf = (r: { headers: Record<string, unknown> }) => String(r.headers['set-cookie']).split(';')[0];
const until = async (ok: () => Promise<boolean>, ms: number) => {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 100)))
    if (await ok()) return true;
  return false;
};

beforeAll(async () => {
  dir = tempDir();
  await makeSession(dir, 'in', 3);
  srv = await start();
  base = `http://127.0.0.1:${srv.port}`;
});
afterAll(async () => {
  await srv?.close();
});

describe('redirects after sign-in stay on this server', () => {
  const home = (location: unknown) => new URL(String(location), base);
  it('POST /signin: a next with a tab or a newline does not leave the origin, and is not a 500', async () => {
    for (const next of [
      '/\t/evil.example/',
      '/\n/x',
      '//evil.example/',
      '/\\evil.example',
      'https://evil.example/',
      '/%09/evil.example',
    ]) {
      const r = await form(base, `token=${TOKEN}&next=${encodeURIComponent(next)}`);
      expect(r.status, JSON.stringify(next)).toBe(303);
      const loc = String(r.headers.location);
      expect(loc, JSON.stringify(next)).not.toMatch(/[\u0000-\u001f\u007f\\]/);
      expect(home(loc).origin, JSON.stringify(next)).toBe(base);
      expect(home(loc).hostname).toBe('127.0.0.1');
    }
    const ok = await form(base, `token=${TOKEN}&next=${encodeURIComponent('/stats?tab=a')}`);
    expect(ok.headers.location).toBe('/stats?tab=a');
  });

  it('the ?token= link goes back to the same path on this server, never to //host', async () => {
    const r = await raw(base, 'GET', `//evil.example/?token=${TOKEN}`);
    expect(r.status).toBe(303);
    expect(home(r.headers.location).origin).toBe(base);
    const ok = await raw(base, 'GET', `/browse?x=1&token=${TOKEN}`);
    expect(ok.headers.location).toBe('/browse?x=1');
  });

  it('the sign-in form carries only a local next', async () => {
    const r = await raw(base, 'GET', `/signin?next=${encodeURIComponent('/\t/evil.example/')}`);
    expect(r.text).toContain('name="next" value="/"');
  });
});

describe('guessing tokens', () => {
  it('refuses to start with a token shorter than 16 characters, saying why', async () => {
    for (const token of ['a', 'short-token-15ch']) {
      await expect(start({ token: token.slice(0, 15) })).rejects.toThrow(/at least 16 characters/);
    }
  });

  it('backs off a client after 5 failed attempts: 429 with Retry-After, even for the right token', async () => {
    const s = await start();
    const b = `http://127.0.0.1:${s.port}`;
    try {
      for (let i = 0; i < 4; i++) expect((await form(b, 'token=wrong-token-guess-000000')).status).toBe(401);
      expect((await raw(b, 'GET', '/api/session', { authorization: 'Bearer wrong-token-guess-000000' })).status).toBe(
        401,
      );
      const r = await form(b, `token=${TOKEN}`);
      expect(r.status).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const api = await raw(b, 'GET', '/api/session', { authorization: 'Bearer wrong-token-guess-000000' });
      expect([api.status, api.body.error?.code]).toEqual([429, 'too_many_attempts']);
      const link = await raw(b, 'GET', `/?token=${TOKEN}`);
      expect(link.status).toBe(429);
    } finally {
      await s.close();
    }
  });

  it('the wait doubles with each failure, is capped, and the table of clients is bounded', () => {
    let now = 0;
    const lim = failureLimiter({ free: 5, maxEntries: 100, maxWaitMs: 60_000, now: () => now });
    for (let i = 0; i < 5; i++) lim.fail('1.2.3.4');
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      lim.fail('1.2.3.4');
      waits.push(lim.retryAfterMs('1.2.3.4'));
      now += 1;
    }
    expect(waits[1]).toBeGreaterThan(waits[0]);
    expect(Math.max(...waits)).toBeLessThanOrEqual(60_000);
    for (let i = 0; i < 10_000; i++) lim.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(lim.size).toBeLessThanOrEqual(100);
  });
});

describe('the sign-in cookie is a session, not the token', () => {
  it('holds a random id that sign-out ends, so a copied cookie stops working', async () => {
    const r = await form(base, `token=${TOKEN}&next=%2F`);
    const cookie = cookieOf(r);
    expect(cookie).not.toContain(TOKEN);
    expect((await raw(base, 'GET', '/api/session', { cookie })).status).toBe(200);
    const out = await raw(base, 'POST', '/signout', { cookie, origin: base });
    expect(out.status).toBe(303);
    expect((await raw(base, 'GET', '/api/session', { cookie })).status).toBe(401);
  });

  it("revoking an annotator's token ends her signed-in sessions", async () => {
    const bob = addToken(tokensFile(dir), 'bob');
    expect(
      await until(
        async () => (await raw(base, 'GET', '/api/me', { authorization: `Bearer ${bob}` })).status === 200,
        3000,
      ),
    ).toBe(true);
    const link = await raw(base, 'GET', `/?token=${bob}`);
    const cookie = cookieOf(link);
    expect(cookie).not.toContain(bob);
    expect((await raw(base, 'GET', '/api/me', { cookie })).body.annotator).toBe('bob');
    removeToken(tokensFile(dir), 'bob');
    expect(await until(async () => (await raw(base, 'GET', '/api/me', { cookie })).status === 401, 3000)).toBe(true);
  });
});

describe('open sockets of a revoked credential', () => {
  it("closes a revoked annotator's socket (cookie or token) with a reason, and keeps the others", async () => {
    const alice = addToken(tokensFile(dir), 'alice');
    // the server re-reads the tokens file at most once a second
    expect(
      await until(
        async () => (await raw(base, 'GET', '/api/me', { authorization: `Bearer ${alice}` })).status === 200,
        3000,
      ),
    ).toBe(true);
    const cookie = cookieOf(await raw(base, 'GET', `/?token=${alice}`));
    const byCookie = await socketPeer(base, 'browser', {}, { headers: { cookie } });
    const byToken = await socketPeer(base, 'browser', { token: alice });
    const server = await socketPeer(base, 'browser', { token: TOKEN });
    for (const p of [byCookie, byToken, server]) await p.next('welcome');
    removeToken(tokensFile(dir), 'alice');
    for (const p of [byCookie, byToken]) {
      const c = await Promise.race([p.closed, new Promise<null>((r) => setTimeout(() => r(null), 4000))]);
      expect(c?.code).toBe(CLOSE.unauthorised);
      expect(c?.reason).toMatch(/revoked|signed out/);
    }
    server.ws.send(JSON.stringify({ type: 'ping' }));
    await server.next('pong');
    server.ws.close();
  });

  it('closes the sockets of a session that signs out', async () => {
    const cookie = cookieOf(await form(base, `token=${TOKEN}&next=%2F`));
    const p = await socketPeer(base, 'browser', {}, { headers: { cookie } });
    await p.next('welcome');
    await raw(base, 'POST', '/signout', { cookie, origin: base });
    const c = await Promise.race([p.closed, new Promise<null>((r) => setTimeout(() => r(null), 4000))]);
    expect(c?.code).toBe(CLOSE.unauthorised);
  });
});
