// Features shared between sessions holding the same images: a session's store copies, under its own image
// ids, the rows of another session's store of the same cache key made from the same bytes (sha256); rows
// of other bytes, a record whose data fails its crc32 and stores of another key are left alone, and the
// other session's files are never written. The trainer, given such a session, embeds none of those images.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FeatureStore, RECORD } from '../trainer/feature-store.ts';
import { shareFeatures } from '../trainer/feature-share.ts';
import { Trainer } from '../trainer/trainer.ts';
import type { Embedder, EmbedItem, TrainerIO } from '../trainer/types.ts';
import type { ImageRef } from '../common/protocol.ts';
import { tempDir } from './helpers/fixtures.ts';

const sha = (i: number) => i.toString(16).padStart(64, '0');
const row = (i: number, d: number) => Float32Array.from({ length: d }, (_, k) => Math.sin(i * 7 + k) * 3.3);
const D = 16;
const KEY = 'tiny-abc-224-pooled';

/** sessions/<name>/features/<key>/pooled-f32 with rows (image id, sha index) */
function storeOf(root: string, name: string, key: string, rows: [number, number][]): string {
  const dir = join(root, name, 'features', key, 'pooled-f32');
  mkdirSync(dir, { recursive: true });
  const s = new FeatureStore(dir, 'f32');
  for (const [id, k] of rows) s.put(id, sha(k), row(k, D), { h: 1, w: 1, d: D });
  s.close();
  return dir;
}

describe('shareFeatures', () => {
  it('copies rows of the same bytes from a sibling session under this session’s ids, nothing else', () => {
    const root = tempDir('hilt-share-');
    // session a: images 1 (bytes X), 2 (bytes Y), 3 (bytes Z, its record corrupted below)
    const a = storeOf(root, 'a', KEY, [
      [1, 100],
      [2, 200],
      [3, 300],
    ]);
    // another cache key holds bytes W: not this backbone's features
    storeOf(root, 'other', 'big-def-518-pooled', [[9, 400]]);
    // corrupt the data of a's third row (its crc32 no longer matches)
    const bin = readFileSync(join(a, 'rows.bin'));
    bin[2 * D * 4 + 5] ^= 0xff;
    writeFileSync(join(a, 'rows.bin'), bin);
    const before = { idx: readFileSync(join(a, 'rows.idx')), bin: readFileSync(join(a, 'rows.bin')) };
    const mtime = statSync(join(a, 'rows.idx')).mtimeMs;

    const bDir = join(root, 'b');
    const b = new FeatureStore(join(bDir, 'features', KEY, 'pooled-f32'), 'f32');
    // session b: X and Y under other ids, Z (corrupt in a), W (only under another key), V (nowhere)
    const wanted = [
      { id: 10, sha256: sha(100) },
      { id: 20, sha256: sha(200) },
      { id: 30, sha256: sha(300) },
      { id: 40, sha256: sha(400) },
      { id: 50, sha256: sha(500) },
    ];
    const copied = shareFeatures(b, bDir, KEY, wanted);
    expect(copied.sort((x, y) => x - y)).toEqual([10, 20]);
    expect(b.get(10, sha(100))!.data).toEqual(row(100, D));
    expect(b.get(20, sha(200))!.data).toEqual(row(200, D));
    for (const id of [30, 40, 50]) expect(b.has(id, sha(id * 10))).toBe(false);
    b.close();
    // written to b's files, read back after a reopen
    const b2 = new FeatureStore(join(bDir, 'features', KEY, 'pooled-f32'), 'f32');
    expect(b2.rows).toBe(2);
    expect(b2.get(20, sha(200))!.data).toEqual(row(200, D));
    b2.close();
    // a is untouched
    expect(readFileSync(join(a, 'rows.idx')).equals(before.idx)).toBe(true);
    expect(readFileSync(join(a, 'rows.bin')).equals(before.bin)).toBe(true);
    expect(statSync(join(a, 'rows.idx')).mtimeMs).toBe(mtime);
  });

  it('reads a sibling being written (its lock held, a torn record at the tail) without its lock', () => {
    const root = tempDir('hilt-share-');
    const aDir = join(root, 'a.20260101T000000Z', 'features', KEY, 'pooled-f32'); // an archived session
    const a = new FeatureStore(aDir, 'f32');
    a.put(1, sha(100), row(100, D), { h: 1, w: 1, d: D });
    a.flush();
    // a half-written chunk: a full index record whose data is not there yet
    const idx = readFileSync(join(aDir, 'rows.idx'));
    const torn = Buffer.from(idx.subarray(0, RECORD));
    torn.writeUInt32LE(2, 4);
    torn.writeDoubleLE(D * 4, 16);
    torn.fill(0, 32, 64);
    Buffer.from(sha(200), 'hex').copy(torn, 32);
    writeFileSync(join(aDir, 'rows.idx'), Buffer.concat([idx, torn]));
    const bDir = join(root, 'b');
    const b = new FeatureStore(join(bDir, 'features', KEY, 'pooled-f32'), 'f32');
    const copied = shareFeatures(b, bDir, KEY, [
      { id: 7, sha256: sha(100) },
      { id: 8, sha256: sha(200) },
    ]);
    expect(copied).toEqual([7]);
    expect(b.get(7, sha(100))!.data).toEqual(row(100, D));
    b.close();
    a.close();
  });
});

describe('the trainer with a sibling session of the same images', () => {
  it('embeds none of the images whose features another session holds', async () => {
    const root = tempDir('hilt-share-');
    const embedded: number[] = [];
    const key = 'fake-1';
    const embedder: Embedder = {
      info: { backbone: 'fake', device: 'cpu', note: '', key },
      batchSize: 8,
      async embed(items: EmbedItem[]) {
        embedded.push(...items.map((i) => i.id));
        return items.map((i) => ({ id: i.id, pooled: row(Number.parseInt(i.sha, 16), D) }));
      },
      embedCrops: async () => {
        throw new Error('classification embeds no crops');
      },
    };
    const logs: string[] = [];
    const io: TrainerIO = { send: () => {}, httpBase: 'http://127.0.0.1:1', log: (l) => logs.push(l) };
    const img = (id: number, k: number): ImageRef => ({
      id,
      path: `/nope/${k}.png`,
      sha256: sha(k),
      width: 8,
      height: 8,
    });
    const run = async (session: string, images: ImageRef[]) => {
      mkdirSync(join(root, session), { recursive: true });
      const t = new Trainer(io, embedder, { cacheRoot: null, debounceMs: 5, background: false });
      t.onMessage({
        type: 'snapshot',
        id: 1,
        session,
        sessionDir: join(root, session),
        task: 'classification',
        classes: [],
        images: images.length,
        annotations: 0,
      });
      t.onMessage({ type: 'snapshot-images', id: 1, images });
      t.onMessage({ type: 'snapshot-annotations', id: 1, annotations: [] });
      t.onMessage({ type: 'snapshot-end', id: 1 });
      for (let k = 0; k < 200 && t.embedded.size < images.length; k++) await new Promise((r) => setTimeout(r, 10));
      expect(t.embedded.size).toBe(images.length);
      await t.close();
    };
    await run('a', [img(1, 100), img(2, 200)]);
    expect(embedded.sort()).toEqual([1, 2]);
    embedded.length = 0;
    // b: the same two images under other ids, and one image of other bytes
    await run('b', [img(5, 200), img(6, 100), img(7, 300)]);
    expect(embedded).toEqual([7]);
    expect(logs).toContainEqual(
      expect.stringMatching(/^reused 2 features from other sessions \(same images, same backbone\)/),
    );
  });
});
