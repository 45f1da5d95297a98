// Issue 9 through the public surface: cross-site writes, DNS rebinding, authentication off loopback,
// per-annotator tokens, and the small ones (sort keys, broken multipart, 413 with Content-Length).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { CLOSE } from '../common/protocol.ts';
import { startServer, type Running } from '../server/serve.ts';
import { addToken, tokensFile } from '../server/security/tokens.ts';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { raw, socketPeer } from './helpers/http.ts';

let dir: string;
let local: TestServer;
let alice: string;
beforeAll(async () => {
  dir = tempDir();
  await makeSession(dir, 'sec', 6);
  alice = addToken(tokensFile(dir), 'alice');
  local = await serveSession(dir, 'sec');
  await local.api('PUT', '/api/session/task', { task: 'classification' });
  await local.api('POST', '/api/classes', { name: 'cat' });
});
afterAll(async () => {
  await local?.close();
});

const classNames = async () => (await local.api('GET', '/api/classes')).body.classes.map((c: any) => c.name);
const host = () => `127.0.0.1:${local.port}`;

describe('cross-site writes and DNS rebinding (loopback)', () => {
  it('refuses a text/plain POST from a foreign origin with a JSON 403 and creates nothing', async () => {
    const r = await raw(
      local.url,
      'POST',
      '/api/classes',
      { origin: 'http://evil.example', 'content-type': 'text/plain' },
      '{"name":"pwned"}',
    );
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden_origin');
    const reset = await raw(
      local.url,
      'POST',
      '/api/session/reset',
      { origin: 'http://evil.example', 'content-type': 'text/plain' },
      '{"confirm":"sec"}',
    );
    expect(reset.status).toBe(403);
    const imp = await raw(
      local.url,
      'POST',
      '/api/import',
      { origin: 'http://evil.example', 'content-type': 'text/plain' },
      `{"path":"${dir}"}`,
    );
    expect(imp.status).toBe(403);
    expect(await classNames()).toEqual(['cat']);
    expect((await local.api('GET', '/api/session')).body.counts.images).toBe(6);
  });

  it('requires application/json on JSON routes (415), even without an Origin', async () => {
    const r = await raw(local.url, 'POST', '/api/classes', { 'content-type': 'text/plain' }, '{"name":"plain"}');
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('unsupported_media_type');
    expect(
      (
        await raw(
          local.url,
          'POST',
          '/api/classes',
          { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
          '{"name":"x"}',
        )
      ).status,
    ).toBe(403);
    expect(await classNames()).toEqual(['cat']);
  });

  it('accepts the same origin, and an origin given with --allow-origin', async () => {
    const same = await raw(
      local.url,
      'POST',
      '/api/classes',
      { origin: `http://${host()}`, 'content-type': 'application/json' },
      '{"name":"dog"}',
    );
    expect(same.status).toBe(201);
    const s = await startServer({
      sessionsDir: dir,
      session: 'sec',
      port: 0,
      webDir: null,
      log: () => {},
      allowOrigins: ['http://app.example:5173/'],
    });
    try {
      const ok = await raw(s.url, 'DELETE', `/api/classes/${same.body.class.id}`, {
        origin: 'http://app.example:5173',
      });
      expect(ok.status).toBe(200);
      expect(
        (
          await raw(
            s.url,
            'POST',
            '/api/classes',
            { origin: 'http://app.example:5174', 'content-type': 'application/json' },
            '{"name":"y"}',
          )
        ).status,
      ).toBe(403);
    } finally {
      await s.close();
    }
  });

  it('does not answer a foreign Host (DNS rebinding), on the API or the app', async () => {
    for (const path of ['/api/session', '/', '/api/images/1/file']) {
      const r = await raw(local.url, 'GET', path, { host: `attacker.example:${local.port}` });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden_host');
    }
    expect((await raw(local.url, 'GET', '/api/session', { host: `localhost:${local.port}` })).status).toBe(200);
  });

  it('P9: closes a foreign-origin socket before it can act as a trainer, keeping the real one', async () => {
    const real = await socketPeer(local.url, 'trainer');
    await real.next('snapshot');
    const evil = await socketPeer(local.url, 'trainer', { replace: true }, { origin: 'http://evil.example' });
    const c = await evil.closed;
    expect(c.code).toBe(CLOSE.forbidden);
    expect(c.reason).toContain('evil.example');
    expect(evil.frames.some((f) => f.type === 'snapshot')).toBe(false);
    real.ws.send(JSON.stringify({ type: 'ping' }));
    await real.next('pong');
    expect((await local.api('GET', '/api/session')).body.trainer.online).toBe(true);
    real.ws.close();
    const rebind = await socketPeer(local.url, 'browser', {}, { headers: { host: 'attacker.example' } });
    expect((await rebind.closed).code).toBe(CLOSE.forbidden);
    // a long, non-ASCII origin still gets a close frame within the 123 bytes allowed
    const odd = await socketPeer(
      local.url,
      'browser',
      {},
      { headers: { origin: 'http://' + '\u00e9'.repeat(150) + '.example' } },
    );
    const oc = await odd.closed;
    expect(oc.code).toBe(CLOSE.forbidden);
    expect(Buffer.byteLength(oc.reason)).toBeLessThanOrEqual(123);
  });
});

describe('off loopback: a token for every route and both socket roles', () => {
  let srv: Running;
  let base: string;
  const TOKEN = 'server-token-for-tests';
  beforeAll(async () => {
    srv = await startServer({
      sessionsDir: dir,
      session: 'sec',
      port: 0,
      host: '0.0.0.0',
      token: TOKEN,
      webDir: null,
      log: () => {},
    });
    base = `http://127.0.0.1:${srv.port}`;
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('answers 401 without a credential and changes nothing', async () => {
    for (const [m, p] of [
      ['GET', '/api/session'],
      ['GET', '/api/images/1/file'],
      ['GET', '/api/export?format=csv'],
      ['POST', '/api/session/reset'],
    ] as const) {
      const r = await raw(
        base,
        m,
        p,
        { 'content-type': 'application/json' },
        m === 'POST' ? '{"confirm":"sec"}' : undefined,
      );
      expect(r.status, `${m} ${p}`).toBe(401);
      expect(r.body.error.code).toBe('unauthorised');
    }
    expect((await raw(base, 'GET', '/api/session', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await raw(base, 'GET', '/api/session', { authorization: `Bearer ${TOKEN}` })).body.counts.images).toBe(6);
  });

  it('signs a browser in from the printed ?token= link: a cookie, then the link without the token', async () => {
    const page = await raw(base, 'GET', '/browse');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/signin?next=%2Fbrowse');
    const link = await raw(base, 'GET', `/browse?token=${TOKEN}`);
    expect(link.status).toBe(303);
    expect(link.headers.location).toBe('/browse');
    const cookie = String(link.headers['set-cookie']).split(';')[0];
    expect(String(link.headers['set-cookie'])).toMatch(/HttpOnly/i);
    expect((await raw(base, 'GET', '/api/session', { cookie })).status).toBe(200);
    const browser = await socketPeer(base, 'browser', {}, { headers: { cookie } });
    expect((await browser.next('welcome')).role).toBe('browser');
    browser.ws.close();
  });

  it('signs in through the /signin form, and refuses a wrong token there', async () => {
    const form = (t: string) =>
      raw(
        base,
        'POST',
        '/signin',
        { 'content-type': 'application/x-www-form-urlencoded', origin: base },
        `token=${t}&next=%2Fstats`,
      );
    expect((await form('nope')).status).toBe(401);
    const ok = await form(TOKEN);
    expect([ok.status, ok.headers.location]).toEqual([303, '/stats']);
    expect(String(ok.headers['set-cookie'])).toContain(`hilt_auth_${srv.port}=`);
  });

  it('P9: closes a browser socket without a credential, and a trainer without the server token', async () => {
    const b = await socketPeer(base, 'browser');
    expect((await b.closed).code).toBe(CLOSE.unauthorised);
    const t = await socketPeer(base, 'trainer', { token: alice });
    expect((await t.closed).code).toBe(CLOSE.unauthorised);
    const ok = await socketPeer(base, 'trainer', { token: TOKEN });
    await ok.next('snapshot');
    ok.ws.close();
  });

  it('takes the annotator from a per-annotator token, not from X-Annotator', async () => {
    const cat = (await local.api('GET', '/api/classes')).body.classes[0];
    const r = await raw(
      base,
      'PUT',
      '/api/images/2/annotation',
      { authorization: `Bearer ${alice}`, 'x-annotator': 'mallory', 'content-type': 'application/json' },
      JSON.stringify({ kind: 'label', classId: cat.id }),
    );
    expect(r.status).toBe(200);
    expect(r.body.annotation.annotator).toBe('alice');
  });
});

describe('the small ones', () => {
  it('rejects inherited sort keys and export formats with a 400, not a 500', async () => {
    for (const sort of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const r = await local.api('GET', `/api/images?sort=${sort}`);
      expect(r.status, sort).toBe(400);
      expect(r.body.error.code).toBe('invalid_param');
      expect(JSON.stringify(r.body)).not.toMatch(/sqlite|syntax/i);
    }
    expect((await local.api('GET', '/api/export?format=__proto__')).status).toBe(400);
  });

  it('answers a broken multipart body on /api/predict with a 400', async () => {
    const r = await raw(
      local.url,
      'POST',
      '/api/predict',
      { 'content-type': 'multipart/form-data; boundary=XYZ' },
      '--XYZ\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_multipart');
  });

  it('delivers the 413 to a client that sends the whole declared body before reading', async () => {
    const s = await startServer({
      sessionsDir: dir,
      session: 'sec',
      port: 0,
      webDir: null,
      log: () => {},
      bodyLimit: 64 * 1024,
    });
    try {
      // 80 MB: more than @hono/node-server drains before it resets the connection
      const size = 80 * 1024 * 1024;
      const answer = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(s.port, '127.0.0.1');
        // read nothing while writing, as a blocking client does: the answer waits in the kernel's buffer,
        // where a reset from the server would destroy it
        sock.pause();
        let got = '';
        sock.on('error', (e) =>
          reject(new Error(`connection failed: ${e.message}; got ${JSON.stringify(got.slice(0, 80))}`)),
        );
        sock.on('data', (d) => {
          got += d;
        });
        sock.on('end', () => resolve(got));
        sock.write(
          `POST /api/classes HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`,
        );
        const chunk = Buffer.alloc(1024 * 1024, 32);
        let sent = 0;
        const pump = () => {
          while (sent < size) {
            sent += chunk.length;
            if (!sock.write(chunk)) {
              sock.once('drain', pump);
              return;
            }
          }
          setTimeout(() => sock.resume(), 1000); // only now read the answer
        };
        pump();
      });
      expect(answer).toMatch(/^HTTP\/1\.1 413/);
      expect(answer).toContain('payload_too_large');
    } finally {
      await s.close();
    }
  }, 60_000);

  it('answers Expect: 100-continue with the 413 instead of inviting the body', async () => {
    const got = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(`${local.url}/api/classes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(1e9), expect: '100-continue' },
      });
      req.on('continue', () => {
        continued = true;
        req.destroy();
        resolve({ status: 100, continued });
      });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode!, continued });
      });
      req.on('error', (e) => {
        if (!continued) reject(e);
      });
      req.flushHeaders();
    });
    expect(got).toEqual({ status: 413, continued: false });
  });
});
