// Issue 9, decode after checking: a 16000×16000 PNG of a few hundred KiB is refused from its header,
// so the server's peak memory stays flat with several sent in parallel (measured on a real `hilt serve`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createDeflate, crc32 } from 'node:zlib';
import { pixelGate } from '../server/security/decode.ts';
import { makeSession, tempDir } from './helpers/fixtures.ts';
import { hilt, type Child } from './helpers/peers.ts';
import { raw } from './helpers/http.ts';

/** A valid greyscale PNG of w×h zero pixels: rows of zeros deflate ~1000:1, so 16000² is ~250 KiB. */
async function pngBomb(w: number, h: number): Promise<Buffer> {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  const z = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  z.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((r) => z.on('end', r));
  const row = Buffer.alloc(w + 1); // filter byte 0 + w zero pixels
  for (let y = 0; y < h; y++) if (!z.write(row)) await new Promise((r) => z.once('drain', r));
  z.end();
  await done;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.concat(parts)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const peakRss = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

describe('decode after checking', () => {
  let server: Child;
  let base: string;
  let bomb: Buffer;
  beforeAll(async () => {
    const dir = tempDir();
    await makeSession(dir, 'bomb', 2);
    bomb = await pngBomb(16000, 16000);
    server = hilt(['serve', '--session', 'bomb', '--sessions-dir', dir, '--port', '0']);
    base = (await server.waitForLine(/listening on (http:\/\/\S+)/))[1];
    await raw(base, 'PUT', '/api/session/task', { 'content-type': 'application/json' }, '{"task":"segmentation"}');
    await raw(base, 'POST', '/api/classes', { 'content-type': 'application/json' }, '{"name":"thing"}');
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a PNG bomb as a mask and as a prediction upload, with memory staying flat', async () => {
    expect(bomb.length).toBeLessThan(512 * 1024);
    const before = peakRss(server.proc.pid!);
    const body = JSON.stringify({ kind: 'mask', mask: bomb.toString('base64') });
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () =>
        raw(base, 'PUT', '/api/images/1/annotation', { 'content-type': 'application/json' }, body),
      ),
      ...Array.from({ length: 4 }, () => raw(base, 'POST', '/api/predict', { 'content-type': 'image/png' }, bomb)),
    ]);
    expect(results.slice(0, 4).map((r) => r.body.error?.code)).toEqual(Array(4).fill('mask_size'));
    expect(results.slice(4).map((r) => [r.status, r.body.error?.code])).toEqual(
      Array(4).fill([413, 'image_too_large']),
    );
    const grown = peakRss(server.proc.pid!) - before;
    // one decode of the bomb alone is 256 MB (8-bit, one channel); four in parallel were over 1 GiB
    expect(grown).toBeLessThan(96 * 1024 * 1024);
    const ann = await raw(base, 'GET', '/api/images/1');
    expect(ann.body.annotation).toBeNull();
  }, 60_000);

  it('caps decodes in flight by count and by pixels', async () => {
    const gate = pixelGate(100, 2);
    let running = 0,
      most = 0,
      px = 0,
      mostPx = 0;
    const job = (n: number) =>
      gate.run(n, async () => {
        running++;
        px += n;
        most = Math.max(most, running);
        mostPx = Math.max(mostPx, px);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        px -= n;
      });
    await Promise.all([60, 60, 30, 30, 30, 10].map(job));
    expect(most).toBe(2);
    expect(mostPx).toBeLessThanOrEqual(100);
    await expect(job(101)).rejects.toMatchObject({ status: 413 });
  });
});
