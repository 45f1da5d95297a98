// Anti-framing on every answer: X-Frame-Options DENY and a Content-Security-Policy with
// frame-ancestors 'none', on the app's pages, the sign-in page, the API and error answers alike; the
// policy allows what the built app needs from its own origin only (tests/e2e/safety.test.ts runs it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Running } from '../server/serve.ts';
import { makeSession, tempDir } from './helpers/fixtures.ts';
import { raw } from './helpers/http.ts';

let srv: Running;
beforeAll(async () => {
  const dir = tempDir();
  await makeSession(dir, 'hd', 2);
  const web = join(dir, 'web');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>hilt</title><div id="root"></div>');
  srv = await startServer({ sessionsDir: dir, session: 'hd', port: 0, webDir: web, log: () => {} });
});
afterAll(async () => {
  await srv?.close();
});

describe('anti-framing headers', () => {
  it('every answer forbids framing and carries the policy', async () => {
    for (const path of ['/', '/browse', '/signin', '/api/session', '/api/images/1/file', '/api/nope', '/nope.js']) {
      const r = await raw(srv.url, 'GET', path);
      expect(r.headers['x-frame-options'], path).toBe('DENY');
      const csp = String(r.headers['content-security-policy']);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval)/);
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
    }
  });

  it('names the socket of the Host asked, and nothing from a Host it does not answer', async () => {
    const r = await raw(srv.url, 'GET', '/');
    expect(String(r.headers['content-security-policy'])).toContain(
      `connect-src 'self' ws://127.0.0.1:${srv.port} wss://127.0.0.1:${srv.port}`,
    );
    const odd = await raw(srv.url, 'GET', '/', { host: 'evil.example' });
    expect(odd.status).toBe(403);
    expect(String(odd.headers['content-security-policy'])).not.toContain('evil');
  });
});
