// Who labels: a per-browser id cookie by default (two unnamed browsers are two annotators, kept apart by
// claims), the browser's chosen name as the label, and a token's annotator above both (server/identity.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { annotatorOf, cleanName, COOKIE, nameFromHeader } from '../server/identity.ts';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';

let srv: TestServer;
beforeAll(async () => {
  const dir = tempDir();
  await makeSession(dir, 'who', 8);
  srv = await serveSession(dir, 'who');
  await srv.api('PUT', '/api/session/task', { task: 'classification' });
  await srv.api('POST', '/api/classes', { name: 'a' });
});
afterAll(async () => {
  await srv?.close();
});

/** A browser: keeps the cookie the server sets, sends an optional name. */
function browser(name?: string) {
  let cookie = '';
  return {
    get cookie() {
      return cookie;
    },
    async req(method: string, path: string, body?: unknown) {
      const res = await fetch(srv.url + path, {
        method,
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(name ? { 'x-annotator': name } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const set = res.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0];
      return { status: res.status, setCookie: set, body: (await res.json()) as any };
    },
  };
}

describe('annotator identity', () => {
  it('gives a browser an HttpOnly, SameSite=Strict id cookie on its first request, and keeps it', async () => {
    const b = browser();
    const first = await b.req('GET', '/api/health');
    expect(first.setCookie).toMatch(
      new RegExp(`^${COOKIE}=[A-Za-z0-9_-]{16,}; Max-Age=\\d+; Path=/; HttpOnly; SameSite=Strict`),
    );
    const me = await b.req('GET', '/api/me');
    expect(me.setCookie).toBeNull(); // already has one
    const id = b.cookie.split('=')[1];
    expect(me.body).toEqual({
      id: id.slice(0, 6),
      name: null,
      annotator: `guest-${id.slice(0, 6)}`,
      authenticated: false,
    });
    expect((await b.req('GET', '/api/me')).body.id).toBe(id.slice(0, 6));
  });

  it("two unnamed browsers are two annotators: claims keep them off each other's image", async () => {
    const a = browser(),
      b = browser();
    await a.req('GET', '/api/health');
    await b.req('GET', '/api/health');
    const na = (await a.req('GET', '/api/next?strategy=sequential')).body.id;
    const nb = (await b.req('GET', '/api/next?strategy=sequential')).body.id;
    expect(na).not.toBeNull();
    expect(nb).not.toBe(na);
    // each keeps its own claim when asking again
    expect((await a.req('GET', '/api/next?strategy=sequential')).body.id).toBe(na);
    expect((await b.req('GET', '/api/next?strategy=sequential')).body.id).toBe(nb);
  });

  it('two browsers with the same name are still kept apart; the name is what labels record', async () => {
    const a = browser('Sam'),
      b = browser('Sam');
    await a.req('GET', '/api/health');
    await b.req('GET', '/api/health');
    expect((await a.req('GET', '/api/me')).body).toMatchObject({ name: 'Sam', annotator: 'Sam' });
    const na = (await a.req('GET', '/api/next?strategy=sequential')).body.id;
    const nb = (await b.req('GET', '/api/next?strategy=sequential')).body.id;
    expect(nb).not.toBe(na);
    const classId = (await srv.api('GET', '/api/classes')).body.classes[0].id;
    expect(
      (await a.req('PUT', `/api/images/${na}/annotation`, { kind: 'label', classId })).body.annotation.annotator,
    ).toBe('Sam');
    const guest = browser();
    await guest.req('GET', '/api/health');
    const g = (await guest.req('PUT', `/api/images/${nb}/annotation`, { kind: 'skip' })).body.annotation.annotator;
    expect(g).toBe(`guest-${guest.cookie.split('=')[1].slice(0, 6)}`);
  });

  it('cleans names: control characters go, "anonymous" and blanks mean none, at most 64 characters', () => {
    expect(cleanName('  Ada\u0000 \u200b')).toBe('Ada');
    expect(cleanName('anonymous')).toBeNull();
    expect(cleanName('   ')).toBeNull();
    expect(cleanName(undefined)).toBeNull();
    expect(cleanName('x'.repeat(100))).toHaveLength(64);
  });

  it("a token's annotator (authAnnotator) wins over the cookie and the browser's name", async () => {
    const app = new Hono();
    app.use('*', async (c, next) => {
      if (c.req.header('authorization') === 'Bearer t1') c.set('authAnnotator' as never, 'lin' as never);
      await next();
    });
    app.get('/who', (c) => c.json(annotatorOf(c)));
    const headers = { cookie: `${COOKIE}=AAAAAAAAAAAAAAAAAAAA`, 'x-annotator': 'Mallory' };
    const withToken = await (await app.request('/who', { headers: { ...headers, authorization: 'Bearer t1' } })).json();
    expect(withToken).toEqual({ id: 'lin', name: 'lin', annotator: 'lin', claimKey: 'token:lin', authenticated: true });
    const without = await (await app.request('/who', { headers })).json();
    expect(without).toMatchObject({
      id: 'AAAAAAAAAAAAAAAAAAAA',
      name: 'Mallory',
      annotator: 'Mallory',
      claimKey: 'browser:AAAAAAAAAAAAAAAAAAAA',
      authenticated: false,
    });
  });

  // a header carries Latin-1 only: the web app sends the name percent-encoded (UTF-8), the server decodes it
  const NAMES = ['Иван Петров', 'Γιώργος Παπαδόπουλος', '山田 太郎', '김민준', 'محمد', 'José Müller', 'Ada'];

  it('decodes a name sent percent-encoded in any script, and raw UTF-8 from a script, and still cleans it', () => {
    for (const n of NAMES) expect(nameFromHeader(encodeURIComponent(n)), n).toBe(n);
    for (const n of NAMES) expect(nameFromHeader(Buffer.from(n, 'utf8').toString('latin1')), `raw ${n}`).toBe(n);
    expect(nameFromHeader('José')).toBe('José'); // a Latin-1 header as it came
    expect(nameFromHeader('100%')).toBe('100%'); // not percent-encoding: as it came
    expect(nameFromHeader(encodeURIComponent('Ada\u0000\u202e'))).toBe('Ada');
    expect(nameFromHeader(encodeURIComponent('Я'.repeat(100)))).toHaveLength(64);
  });

  it('labels under a name in Cyrillic, Greek or CJK sent as the web app sends it', async () => {
    const classId = (await srv.api('GET', '/api/classes')).body.classes[0].id;
    for (const [i, n] of NAMES.slice(0, 4).entries()) {
      const b = browser(encodeURIComponent(n));
      expect((await b.req('GET', '/api/me')).body).toMatchObject({ name: n, annotator: n });
      const r = await b.req('PUT', `/api/images/${5 + i}/annotation`, { kind: 'label', classId });
      expect(r.body.annotation.annotator).toBe(n);
    }
  });
});
