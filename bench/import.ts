// Import throughput: N generated 640×480 JPEGs (gradients, blocks and mild noise, so they compress like
// photos rather than like pure noise), cached in the temp dir, imported into a fresh temp session per
// repeat, thumbnails included. Reports img/s (median of repeats), CPU ms per image, and, with profile,
// where the CPU goes per image: read+sha256, metadata, thumbnail (= the validating decode), vs a full decode.
// Usage: npx tsx bench/import.ts [--count 2000] [--repeats 3] [--concurrency N] [--no-profile]  → JSON
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { importInto } from '../server/import/import.ts';
import { makeThumb } from '../server/import/thumbs.ts';
import { closeSession, openSession } from '../server/session.ts';
import { images } from '../server/db/schema.ts';
import { benchScript } from './util.ts';

export interface BenchImportOptions {
  count?: number;
  width?: number;
  height?: number;
  repeats?: number;
  concurrency?: number;
  profile?: boolean;
}

async function makeJpegs(dir: string, count: number, W: number, H: number): Promise<void> {
  const have = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jpg')).length : 0;
  if (have >= count) return;
  mkdirSync(dir, { recursive: true });
  let s = 12345;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const px = Buffer.alloc(W * H * 3);
  for (let n = have; n < count; n++) {
    const c1 = [rand() * 255, rand() * 255, rand() * 255],
      c2 = [rand() * 255, rand() * 255, rand() * 255];
    const blocks = Array.from({ length: 4 }, () => [
      rand() * W,
      rand() * H,
      20 + rand() * 200,
      20 + rand() * 150,
      rand() * 255,
      rand() * 255,
      rand() * 255,
    ]);
    for (let y = 0, i = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i += 3) {
        const t = (x + y) / (W + H);
        const b = blocks.find(([bx, by, bw, bh]) => x >= bx && x < bx + bw && y >= by && y < by + bh);
        const j = (rand() - 0.5) * 16;
        for (let c = 0; c < 3; c++)
          px[i + c] = Math.max(0, Math.min(255, (b ? b[4 + c] : c1[c] * (1 - t) + c2[c] * t) + j));
      }
    }
    await sharp(px, { raw: { width: W, height: H, channels: 3 } })
      .jpeg({ quality: 85 })
      .toFile(join(dir, `b${String(n).padStart(5, '0')}.jpg`));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** CPU ms per image of each import stage, one image at a time (CPU time, not wall: on a shared machine
 * wall time mostly measures the neighbours). */
async function profileStages(files: string[]) {
  const t = { readSha256: 0, metadata: 0, thumbnail: 0, fullDecode: 0 };
  const cpu = async (k: keyof typeof t, fn: () => Promise<unknown> | unknown) => {
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    t[k] += (c.user + c.system) / 1000;
  };
  for (const f of files) {
    let buf = Buffer.alloc(0);
    await cpu('readSha256', async () => {
      buf = await readFile(f);
      createHash('sha256').update(buf).digest('hex');
    });
    await cpu('metadata', () => sharp(buf).metadata());
    await cpu('thumbnail', () => makeThumb(buf));
    await cpu('fullDecode', () => sharp(buf).raw().toBuffer());
  }
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v / files.length, 3)]));
}

export async function benchImport(opts: BenchImportOptions = {}) {
  const loadAvgBefore = round(loadavg()[0]);
  const count = opts.count ?? 2000,
    W = opts.width ?? 640,
    H = opts.height ?? 480,
    repeats = opts.repeats ?? 3;
  const dir = join(tmpdir(), `hilt-bench-import-${W}x${H}`);
  const g0 = performance.now();
  await makeJpegs(dir, count, W, H);
  const generateSeconds = round((performance.now() - g0) / 1000);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, count);
  // import a folder holding exactly `count` files: link them into a fresh folder once
  const src = join(dir, `set-${count}`);
  if (!existsSync(src) || readdirSync(src).length !== count) {
    rmSync(src, { recursive: true, force: true });
    mkdirSync(src);
    for (const f of files) {
      try {
        linkSync(join(dir, f), join(src, f));
      } catch {
        copyFileSync(join(dir, f), join(src, f));
      }
    }
  }
  const runs: { imgPerSec: number; seconds: number; cpuMsPerImage: number; added: number }[] = [];
  for (let r = 0; r < repeats; r++) {
    const root = mkdtempSync(join(tmpdir(), 'hilt-bench-session-'));
    const session = openSession(root, 'bench', { create: true });
    try {
      const t0 = performance.now(),
        c0 = process.cpuUsage();
      const report = await importInto(session, src, { concurrency: opts.concurrency });
      const s = (performance.now() - t0) / 1000,
        cpu = process.cpuUsage(c0);
      if (session.db.select().from(images).all().length !== count) throw new Error('bench import lost images');
      // CPU time (all threads, incl. libvips) per image: robust to other load on a shared machine, and
      // cores × 1000 / cpuMs is what the import reaches on that many otherwise idle cores.
      runs.push({
        imgPerSec: round(report.added / s, 1),
        seconds: round(s, 3),
        cpuMsPerImage: round((cpu.user + cpu.system) / 1000 / count, 3),
        added: report.added,
      });
    } finally {
      closeSession(session);
      rmSync(root, { recursive: true, force: true });
    }
  }
  const imgPerSec = median(runs.map((x) => x.imgPerSec));
  const cpuMsPerImage = median(runs.map((x) => x.cpuMsPerImage));
  const loadAvg = loadavg()[0];
  const msPerImage =
    opts.profile === false
      ? undefined
      : await profileStages(files.slice(0, Math.min(200, files.length)).map((f) => join(dir, f)));
  return {
    bench: 'import',
    images: count,
    size: `${W}x${H}`,
    cores: availableParallelism(),
    sharpThreads: sharp.concurrency(),
    uvThreadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    concurrency: opts.concurrency ?? availableParallelism() * 2,
    imgPerSec,
    target: 300,
    meetsTarget: imgPerSec >= 300,
    cpuMsPerImage,
    projectedImgPerSecOn2IdleCores: round(2000 / cpuMsPerImage, 0),
    loadAvgBefore,
    loadAvgAfter: round(loadAvg),
    runs,
    generateSeconds,
    cpuMsPerImageByStage: msPerImage,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const a = benchScript('bench/import.ts', 'import throughput (JSON on stdout)')
    .option('--count <n>', 'images to import', Number)
    .option('--repeats <n>', 'timed runs', Number)
    .option('--concurrency <n>', 'decodes at a time', Number)
    .option('--no-profile', 'skip the per-stage CPU profile')
    .parse()
    .opts<{ count?: number; repeats?: number; concurrency?: number; profile: boolean }>();
  console.log(
    JSON.stringify(
      await benchImport({
        count: a.count,
        repeats: a.repeats,
        concurrency: a.concurrency,
        profile: a.profile,
      }),
      null,
      2,
    ),
  );
}
