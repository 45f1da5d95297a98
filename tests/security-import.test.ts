// Issue 9, POST /api/import: only under the import roots, one answer for missing and forbidden paths,
// no echo of a foreign file's contents, and a bounded, asynchronous walk with progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Running } from '../server/serve.ts';
import { makeImages, makeSession, tempDir } from './helpers/fixtures.ts';
import { raw, socketPeer } from './helpers/http.ts';

let dir: string, root: string, outside: string;
let srv: Running;
const post = (s: Running, body: object) =>
  raw(s.url, 'POST', '/api/import', { 'content-type': 'application/json' }, JSON.stringify(body));
const count = async (s: Running) => (await raw(s.url, 'GET', '/api/session')).body.counts.images;

beforeAll(async () => {
  dir = tempDir();
  await makeSession(dir, 'imp', 2);
  root = tempDir('hilt-root-');
  outside = tempDir('hilt-outside-');
  // sizes differ from the session's own images, so nothing is a duplicate
  await makeImages(join(root, 'ok'), 3, { width: 30, height: 20 });
  await makeImages(outside, 2, { width: 20, height: 30 });
  writeFileSync(join(outside, 'secret.csv'), 'path,label\nimg-0000.png,a\n');
  symlinkSync(outside, join(root, 'ok', 'escape'));
  // a CSV under the root whose rows point outside it or hold no path at all
  writeFileSync(
    join(root, 'list.csv'),
    `path,label\n${join(outside, 'img-0000.png')},a\nTOP-SECRET-VALUE,b\n${join(root, 'ok', 'img-0001.png')},c\n`,
  );
  writeFileSync(join(root, 'broken.json'), 'root:x:0:0:TOP-SECRET-VALUE');
  srv = await startServer({
    sessionsDir: dir,
    session: 'imp',
    port: 0,
    webDir: null,
    log: () => {},
    importRoots: [root],
  });
});
afterAll(async () => {
  await srv?.close();
});

describe('POST /api/import is confined to the import roots', () => {
  it('gives one identical answer for outside, missing, "/" and non-source paths, and imports nothing', async () => {
    const answers: string[] = [];
    for (const path of [
      outside,
      join(outside, 'secret.csv'),
      join(root, 'nope'),
      '/',
      join(root, 'ok', 'img-0000.png'),
      '/etc/passwd',
    ]) {
      const r = await post(srv, { path });
      answers.push(`${r.status} ${JSON.stringify(r.body)}`);
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toMatch(/^404 .*path_not_found/);
    expect(await count(srv)).toBe(2);
  });

  it('imports under a root, but not through a symlink leading outside it', async () => {
    const r = await post(srv, { path: join(root, 'ok') });
    expect(r.status).toBe(200);
    expect(r.body.added).toBe(3);
    expect(await count(srv)).toBe(5);
  });

  it('never echoes what a CSV or JSON says, and skips its rows that lead outside the roots', async () => {
    const r = await post(srv, { path: join(root, 'list.csv') });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain('TOP-SECRET-VALUE');
    expect(r.text).not.toContain(outside);
    expect(r.body.skipped.map((s: any) => s.file)).toEqual(['list.csv row 2', 'list.csv row 3']);
    const j = await post(srv, { path: join(root, 'broken.json') });
    expect(j.status).toBe(400);
    expect(j.text).not.toContain('TOP-SECRET-VALUE');
    expect(j.text).not.toContain('root:x');
  });

  it('bounds the walk by file count and by time', async () => {
    const small = await startServer({
      sessionsDir: dir,
      session: 'imp',
      port: 0,
      webDir: null,
      log: () => {},
      importRoots: [root],
      importLimits: { maxFiles: 2 },
    });
    try {
      const r = await post(small, { path: join(root, 'ok') });
      expect([r.status, r.body.error.code]).toEqual([413, 'too_many_files']);
    } finally {
      await small.close();
    }
    const slow = await startServer({
      sessionsDir: dir,
      session: 'imp',
      port: 0,
      webDir: null,
      log: () => {},
      importRoots: [root],
      importLimits: { maxMs: -1 },
    });
    try {
      const r = await post(slow, { path: join(root, 'ok') });
      expect([r.status, r.body.error.code]).toEqual([422, 'scan_timeout']);
    } finally {
      await slow.close();
    }
  });

  it('reports progress to browsers while it runs', async () => {
    mkdirSync(join(root, 'more'));
    await makeImages(join(root, 'more'), 4, { width: 40, height: 40 });
    const b = await socketPeer(srv.url, 'browser');
    await b.next('welcome');
    const r = await post(srv, { path: join(root, 'more') });
    expect(r.body.added).toBeGreaterThan(0);
    const probe = await b.next('import');
    expect(['scan', 'probe']).toContain(probe.phase);
    const frames = [probe, ...b.frames.filter((f) => f.type === 'import')];
    expect(frames.some((f) => f.phase === 'probe' && f.done === f.total && f.total > 0)).toBe(true);
    b.ws.close();
  });

  it('is off over HTTP when bound off loopback without --import-root', async () => {
    const s = await startServer({
      sessionsDir: dir,
      session: 'imp',
      port: 0,
      host: '0.0.0.0',
      token: 'tok-0123456789abcdef',
      webDir: null,
      log: () => {},
    });
    try {
      const r = await raw(
        `http://127.0.0.1:${s.port}`,
        'POST',
        '/api/import',
        { 'content-type': 'application/json', authorization: 'Bearer tok-0123456789abcdef' },
        JSON.stringify({ path: root }),
      );
      expect([r.status, r.body.error.code]).toEqual([403, 'import_disabled']);
    } finally {
      await s.close();
    }
  });
});
