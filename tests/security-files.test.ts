// Image files are served only as they were imported: a file swapped for a symlink (to /etc/passwd, to
// anything the server can read), for other bytes, or for something that is not a regular file (a FIFO
// that would hang the reader) is refused with a JSON 409 file_changed, never sent or thumbnailed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { getImage } from '../server/store.ts';
import { FileRefused, readImported } from '../common/imported-file.ts';
import { startServer, type Running } from '../server/serve.ts';
import { makeImages, makeSession, tempDir } from './helpers/fixtures.ts';
import { raw } from './helpers/http.ts';

let dir: string, outside: string;
let srv: Running;
const pathOf = (id: number) => getImage(srv.ctx.session.db, id).path;
const SECRET = 'root:x:0:0:TOP-SECRET-VALUE:/root:/bin/bash\n';

beforeAll(async () => {
  dir = tempDir();
  await makeSession(dir, 'files', 8);
  outside = tempDir('hilt-outside-');
  writeFileSync(join(outside, 'passwd'), SECRET);
  await makeImages(join(outside, 'other'), 1, { width: 64, height: 48 });
  srv = await startServer({ sessionsDir: dir, session: 'files', port: 0, webDir: null, log: () => {} });
});
afterAll(async () => {
  await srv?.close();
});

const get = (path: string) => raw(srv.url, 'GET', path);

describe('GET /api/images/:id/file serves only the imported bytes', () => {
  it('serves an untouched file, byte for byte', async () => {
    const r = await new Promise<Buffer>((res, rej) =>
      fetch(`${srv.url}/api/images/1/file`)
        .then((x) => x.arrayBuffer())
        .then((b) => res(Buffer.from(b)), rej),
    );
    expect(r.equals(readFileSync(pathOf(1)))).toBe(true);
  });

  it('refuses a file swapped for a symlink to another file (409 file_changed, not the bytes)', async () => {
    const p = pathOf(2);
    unlinkSync(p);
    symlinkSync(join(outside, 'passwd'), p);
    const r = await get('/api/images/2/file');
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('file_changed');
    expect(r.text).not.toContain('TOP-SECRET');
    // a thumbnail gone missing is not made again from what the link points to
    rmSync(join(dir, 'files', 'thumbs', '2.webp'));
    const t = await get('/api/images/2/thumb');
    expect([t.status, t.body.error?.code]).toEqual([409, 'file_changed']);
  });

  it('refuses a symlink to an image outside, and a file whose bytes changed', async () => {
    const p = pathOf(3);
    unlinkSync(p);
    symlinkSync(join(outside, 'other', 'img-0000.png'), p);
    expect((await get('/api/images/3/file')).body.error?.code).toBe('file_changed');
    const q = pathOf(4);
    copyFileSync(join(outside, 'other', 'img-0000.png'), q); // a readable image, but not the one imported
    const r = await get('/api/images/4/file');
    expect([r.status, r.body.error?.code]).toEqual([409, 'file_changed']);
  });

  it.runIf(process.platform === 'linux')(
    'refuses a FIFO in place of the file at once instead of hanging',
    async () => {
      const p = pathOf(5);
      unlinkSync(p);
      execFileSync('mkfifo', [p]);
      const t0 = Date.now();
      const r = await get('/api/images/5/file');
      expect([r.status, r.body.error?.code]).toEqual([409, 'file_changed']);
      expect(Date.now() - t0).toBeLessThan(2000);
    },
    10_000,
  );

  it('the trainer reads files from disk by the same rule (readImported)', async () => {
    await expect(readImported(getImage(srv.ctx.session.db, 2))).rejects.toBeInstanceOf(FileRefused);
    const ok = getImage(srv.ctx.session.db, 1);
    expect((await readImported(ok)).equals(readFileSync(ok.path))).toBe(true);
  });

  it('answers 410 for a file that is gone', async () => {
    unlinkSync(pathOf(6));
    const r = await get('/api/images/6/file');
    expect([r.status, r.body.error?.code]).toEqual([410, 'file_missing']);
  });
});
