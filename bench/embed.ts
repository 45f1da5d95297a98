// Embedding throughput: (a) bare `session.run` on ready tensors, (b) the full pipeline from JPEG
// files on disk (read + decode + EXIF + resize + normalise with sharp, prefetched, + run through
// transformers.js). efficiency = pipeline ÷ bare; the target is ≥ 0.85, i.e. decoding hides
// behind inference. Run alone: npx tsx bench/embed.ts [--quick] [--device auto|cuda|webgpu|cpu]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchScript } from './util.ts';
import { pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { DeviceAttempt, DeviceRequest } from '../trainer/backbones/device.ts';
import { createEmbedder } from '../trainer/embed.ts';

export interface BenchEmbedOptions {
  device?: DeviceRequest;
  quick?: boolean;
  backbones?: string[];
  resolution?: number;
  /** Source JPEG size; decode cost grows with it (default 640×480, a typical dataset image). */
  sourceSize?: [number, number];
  batchSize?: number;
  repeats?: number;
  log?: (msg: string) => void;
}
export interface BenchEmbedRow {
  backbone: string;
  device: string;
  resolution: number;
  batchSize: number;
  images: number;
  bareImgPerSec: number;
  pipelineImgPerSec: number;
  /** median of per-repeat pipeline ÷ bare ratios (robust to drifting machine load) */
  efficiency: number;
  /** Time to decode+resize+normalise one image alone (single-threaded view of the prefetch cost). */
  prepareMsPerImage: number;
}
export interface BenchEmbedResult {
  device: string;
  tried: DeviceAttempt[];
  cpus: number;
  sourceSize: [number, number];
  rows: BenchEmbedRow[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Photo-like JPEGs (smooth gradients + blobs + noise) so decode cost is realistic, not a flat colour. */
async function makeJpegs(dir: string, n: number, [w, h]: [number, number]): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(w * h * 3);
    let s = i + 1;
    for (let y = 0, k = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 3; c++, k++) {
          s = (s * 1103515245 + 12345) & 0x7fffffff;
          const blob = Math.sin((x + 37 * i) / (17 + c * 5)) * Math.cos((y - 11 * i) / 23) * 60;
          px[k] = Math.max(0, Math.min(255, ((x * (c + 1) + y * 2 + i * 29) % 200) + blob + (s % 24)));
        }
    const p = path.join(dir, `bench-${i}.jpg`);
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(p);
    paths.push(p);
  }
  return paths;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

export async function benchEmbed(opts: BenchEmbedOptions = {}): Promise<BenchEmbedResult> {
  const log = opts.log ?? (() => {});
  // real pretrained features first (what runs offline), then the random stand-ins: tiny (machinery) and a
  // ViT-S/16-shaped graph (DINOv3's compute cost)
  const backbones = opts.backbones ?? ['mobilenetv2-imagenet', 'tiny', 'vits16-random'];
  const repeats = opts.repeats ?? (opts.quick ? 3 : 5);
  const sourceSize = opts.sourceSize ?? [640, 480];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hilt-bench-embed-'));
  const rows: BenchEmbedRow[] = [];
  let device = 'cpu';
  let tried: DeviceAttempt[] = [];
  try {
    for (const name of backbones) {
      const emb = await createEmbedder({
        backbone: name,
        device: opts.device ?? 'cpu',
        resolution: opts.resolution,
        batchSize: opts.batchSize,
        fetchMissing: true,
      });
      ({ device, tried } = emb.info);
      const bs = emb.info.batchSize;
      const res = emb.info.resolution;
      // enough images for several batches; the big graph gets fewer so a run stays ~seconds on 2 cores
      const nImages = bs * (name !== 'vits16-random' ? (opts.quick ? 16 : 32) : opts.quick ? 4 : 8);
      const paths = await makeJpegs(dir, nImages, sourceSize);
      log(`${name}: ${nImages} images ${sourceSize.join('×')} → ${res}², batch ${bs}, ${device}`);

      // (a) bare: ready ORT tensors straight into the session
      const prepped = await Promise.all(paths.map((p) => emb.prepare(p, 'pooled')));
      const per = 3 * res * res;
      const batches: ort.Tensor[] = [];
      for (let i = 0; i < prepped.length; i += bs) {
        const chunk = prepped.slice(i, i + bs);
        const x = new Float32Array(chunk.length * per);
        chunk.forEach((im, j) => x.set(im.data, j * per));
        batches.push(new ort.Tensor('float32', x, [chunk.length, 3, res, res]));
      }
      const runAll = async () => {
        for (const t of batches) await emb.backbone.session.run({ pixel_values: t });
      };
      const runPipe = () => emb.embedPaths(paths, 'pooled', () => {});
      // warm-up both paths (allocations, kernel selection, page cache), then interleave the repeats
      // so that load from other processes hits bare and pipeline alike
      await runAll();
      await runPipe();
      const bare: number[] = [];
      const pipe: number[] = [];
      const ratio: number[] = [];
      for (let r = 0; r < repeats; r++) {
        bare.push(nImages / (await timeIt(runAll)));
        pipe.push(nImages / (await timeIt(runPipe)));
        ratio.push(pipe[r] / bare[r]);
      }

      const prepSec = await timeIt(async () => {
        for (const p of paths.slice(0, 16)) await emb.prepare(p, 'pooled');
      });
      const row: BenchEmbedRow = {
        backbone: name,
        device,
        resolution: res,
        batchSize: bs,
        images: nImages,
        bareImgPerSec: +median(bare).toFixed(1),
        pipelineImgPerSec: +median(pipe).toFixed(1),
        efficiency: +median(ratio).toFixed(3),
        prepareMsPerImage: +((prepSec * 1000) / Math.min(16, paths.length)).toFixed(2),
      };
      log(JSON.stringify(row));
      rows.push(row);
      await emb.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { device, tried, cpus: os.availableParallelism(), sourceSize, rows };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const values = benchScript('bench/embed.ts', 'embedding throughput per backbone (JSON on stdout)')
    .option('--quick', 'fewer images')
    .option('--device <device>', 'auto | cuda | webgpu | cpu', 'cpu')
    .option(
      '--backbone <name>',
      'a backbone to measure (repeatable; default mobilenetv2-imagenet, tiny, vits16-random)',
      (v: string, p?: string[]) => [...(p ?? []), v],
    )
    .option('--resolution <px>', "input size (default: the backbone's)")
    .parse()
    .opts<{ quick?: boolean; device: string; backbone?: string[]; resolution?: string }>();
  const result = await benchEmbed({
    quick: !!values.quick,
    device: values.device as DeviceRequest,
    backbones: values.backbone,
    resolution: values.resolution ? Number(values.resolution) : undefined,
    log: (m) => console.error(m),
  });
  console.log(JSON.stringify(result, null, 2));
}
