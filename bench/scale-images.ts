// The 100k-image session of the scale benchmark: small PNGs whose colour tells the class (so labels are
// known), generated once into a folder, then imported with `hilt import` as a child process whose peak
// RSS is sampled (import memory must not grow with the number of images).
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { hilt } from '../tests/helpers/peers.ts';
import { rssSampler } from './scale-probe.ts';
import { round } from './util.ts';

const HUES = [
  [220, 40, 40],
  [40, 200, 60],
  [50, 70, 220],
  [230, 200, 40],
];
/** class of image `idx` (0..3): images are named in index order, so image id = idx + 1 after import */
export const classOf = (idx: number) => idx % 4;

export async function makeScaleImages(dir: string, n: number, log: (s: string) => void): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const have = new Set(readdirSync(dir));
  const t0 = performance.now();
  for (let i = 0; i < n; i += 128) {
    await Promise.all(
      Array.from({ length: Math.min(128, n - i) }, async (_, k) => {
        const idx = i + k,
          name = `img-${String(idx).padStart(7, '0')}.png`;
        if (have.has(name)) return;
        const [r, g, b] = HUES[classOf(idx)];
        const j = (v: number) => Math.max(0, Math.min(255, v + ((idx * 7919) % 61) - 30));
        await sharp({
          create: {
            width: 64,
            height: 64,
            channels: 3,
            background: { r: j(r), g: j(g), b: j(b) },
            noise: { type: 'gaussian', mean: 0, sigma: 20 },
          },
        })
          .png()
          .toFile(join(dir, name));
      }),
    );
    if (i % 10_000 === 0 && i) log(`generated ${i} images (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

/** `hilt import` of the folder into a new session; wall time and the child's peak RSS. */
export async function importScaleSession(
  imagesDir: string,
  sessionsDir: string,
  name: string,
  n: number,
): Promise<{ seconds: number; imgPerSec: number; peakRssMiB: number }> {
  if (existsSync(join(sessionsDir, name, 'session.db'))) return { seconds: NaN, imgPerSec: NaN, peakRssMiB: NaN };
  const t0 = performance.now();
  const p = hilt(['import', imagesDir, '--session', name, '--sessions-dir', sessionsDir]);
  const rss = rssSampler(() => ({ import: p.proc.pid }), 250);
  const code = await new Promise<number | null>((r) => p.proc.on('exit', r));
  rss.stop();
  if (code !== 0) throw new Error(`import failed: ${p.out().slice(-2000)}`);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds: round(seconds, 1), imgPerSec: round(n / seconds, 1), peakRssMiB: rss.peak.import ?? NaN };
}
