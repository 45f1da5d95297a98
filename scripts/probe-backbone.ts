// Linear probe of a backbone's pooled features on the shape-only demo pictures (random colours): how well
// does a logistic head separate circle / square / triangle / star from N labels per class? Used to choose
// MobileNetV2's input scaling and to show its features are real (against the same net with shuffled weights
// and the random-weight `tiny`). Prints one JSON line per variant.
// With --data (class-folders sets, split into pool and test as `hilt simulate` does; `mnist:N` for N MNIST
// digits): which map to pool — for each variant (`layer:<keras layer>` = MobileNetV2 cut and pooled there),
// 10-NN class agreement on the standardised features and a linear head's test accuracy from 50, 200 and all
// pool labels drawn at random. This chose MobileNetV2's pooled layer (trainer/onnx/mobilenet.ts).
// Usage: npx tsx scripts/probe-backbone.ts [--count 400] [--per-class 5,10,25] [--variants mobilenet,mobilenet-pm1,shuffled,tiny]
//        npx tsx scripts/probe-backbone.ts --data DIR,DIR,mnist:2000 --variants layer:out_relu,layer:block_13_expand_relu
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { makeDemoImages } from './make-demo.ts';
import { createEmbedder } from '../trainer/embed.ts';
import { fitLogReg, predictProba } from '../trainer/heads/logreg.ts';
import { writeAtomic } from '../trainer/onnx/make.ts';
import { fetchModel, MODELS_DIR } from '../trainer/backbones/registry.ts';
import {
  loadMobilenetKeras,
  mobilenetConfig,
  mobilenetOnnx,
  MOBILENET_PREPROCESSOR,
  npmCacheDir,
  shuffledWeights,
} from '../trainer/onnx/mobilenet.ts';
import { mulberry32 } from '../trainer/rng.ts';
import { loadDataset } from './simulate/dataset.ts';
import { parseSimArgs } from './simulate/options.ts';

export interface ProbeResult {
  variant: string;
  perClass: number;
  accuracy: number;
  repeats: number;
}

/** A mobilenet folder with other weights or input scaling, written beside the real one (for probes and tests). */
export async function mobilenetVariant(
  dir: string,
  o: { shuffled?: boolean; plusMinusOne?: boolean; output?: string },
): Promise<string> {
  const keras = await loadMobilenetKeras(npmCacheDir(MODELS_DIR));
  const g = mobilenetOnnx(o.shuffled ? shuffledWeights(keras) : keras, o.output);
  writeAtomic(path.join(dir, 'onnx', 'model.onnx'), g.bytes);
  const pre = o.plusMinusOne
    ? { ...MOBILENET_PREPROCESSOR, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] }
    : MOBILENET_PREPROCESSOR;
  writeAtomic(path.join(dir, 'preprocessor_config.json'), JSON.stringify(pre));
  const cfg = mobilenetConfig({
    generator_version: -1,
    variant: o,
    ...(o.output ? { pooler_size: g.pooledChannels, grid_layers: [o.output] } : {}),
  });
  writeAtomic(path.join(dir, 'config.json'), JSON.stringify(o.output ? { ...cfg, hidden_size: g.channels } : cfg));
  return dir;
}

/** Share of the first n rows whose k nearest neighbours (squared L2 over m columns, among those n rows) vote
 *  for the row's own class: how well a feature space keeps classes together. */
export function knnAgreement(Z: ArrayLike<number>, m: number, y: ArrayLike<number>, n = y.length, k = 10): number {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const near: [number, number][] = [];
    for (let q = 0; q < n; q++)
      if (q !== i) {
        let s = 0;
        for (let t = 0; t < m; t++) {
          const v = Z[i * m + t] - Z[q * m + t];
          s += v * v;
        }
        near.push([s, y[q]]);
      }
    near.sort((a, b) => a[0] - b[0]);
    const votes = new Map<number, number>();
    for (const [, c] of near.slice(0, k)) votes.set(c, (votes.get(c) ?? 0) + 1);
    if ([...votes].sort((a, b) => b[1] - a[1])[0][0] === y[i]) ok++;
  }
  return ok / n;
}

/** Every column scaled to mean 0, std 1 (n rows × d). */
function standardised(X: Float32Array, d: number): Float32Array {
  const n = X.length / d,
    mu = new Float64Array(d),
    sd = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += X[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sd[j] += (X[i * d + j] - mu[j]) ** 2 / n;
  return X.map((v, q) => (v - mu[q % d]) / Math.sqrt(sd[q % d] + 1e-8));
}

/** Test accuracy of a logistic head on `labels` random pool rows (rows [0, pool) train, the rest test). */
export function headAccuracy(
  X: Float32Array,
  y: Int32Array,
  d: number,
  pool: number,
  labels: number,
  seed = 1,
): number {
  const rand = mulberry32(seed),
    idx = Array.from({ length: pool }, (_, i) => i);
  for (let i = pool - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const tr = idx.slice(0, labels),
    used = [...new Set(tr.map((i) => y[i]))].sort((a, b) => a - b);
  const A = new Float32Array(tr.length * d);
  tr.forEach((i, k) => A.set(X.subarray(i * d, i * d + d), k * d));
  const { model } = fitLogReg(A, Int32Array.from(tr.map((i) => used.indexOf(y[i]))), tr.length, d, used.length);
  const nt = y.length - pool,
    p = predictProba(model, X.subarray(pool * d), nt);
  let ok = 0;
  for (let i = 0; i < nt; i++) {
    let b = 0;
    for (let c = 1; c < model.C; c++) if (p[i * model.C + c] > p[i * model.C + b]) b = c;
    if (used[b] === y[pool + i]) ok++;
  }
  return ok / nt;
}

/** --data: each variant on each set — 10-NN agreement (≤ 1500 rows) and head accuracy from 50 / 200 / all labels. */
async function probeLayers(sets: string[], variants: string[], tmp: string) {
  for (const v of variants) {
    const m = /^layer:(.+)$/.exec(v);
    const dir = m ? await mobilenetVariant(path.join(tmp, v.replace(/\W/g, '_')), { output: m[1] }) : v;
    for (const set of sets) {
      const mn = /^mnist:(\d+)$/.exec(set);
      const o = parseSimArgs([
        ...(mn ? ['--mnist', mn[1]] : ['--data', set]),
        '--seed',
        '1',
        '--backbone',
        'mobilenetv2-imagenet',
      ]);
      if (o === 'help') return;
      const ds = await loadDataset(o, path.resolve('.tmp'));
      const all = [...ds.pool, ...ds.test],
        y = Int32Array.from(all.map((i) => i.label));
      const { X, d } = await embedPooled(
        dir,
        all.map((i) => i.file),
      );
      const k = Math.min(all.length, 1500),
        np = ds.pool.length;
      const head = (n: number) => [1, 2, 3].reduce((s, r) => s + headAccuracy(X, y, d, np, Math.min(n, np), r), 0) / 3;
      console.log(
        JSON.stringify({
          variant: v,
          data: ds.name,
          dim: d / 2,
          knn10: +knnAgreement(standardised(X.subarray(0, k * d), d), d, y, k).toFixed(3),
          head50: +head(50).toFixed(3),
          head200: +head(200).toFixed(3),
          headAll: +headAccuracy(X, y, d, np, np).toFixed(3),
        }),
      );
    }
  }
}

/** Mean test accuracy of a logistic head on `perClass` random labels per class, over `repeats` draws. */
export function probeAccuracy(
  X: Float32Array,
  y: Int32Array,
  d: number,
  perClass: number,
  repeats = 5,
  seed = 1,
): number {
  const n = y.length,
    C = Math.max(...y) + 1;
  let sum = 0;
  for (let r = 0; r < repeats; r++) {
    const rand = mulberry32(seed + r * 101);
    const order = Array.from({ length: n }, (_, i) => i).sort(() => rand() - 0.5);
    const taken = new Array(C).fill(0),
      train: number[] = [],
      test: number[] = [];
    for (const i of order) (taken[y[i]] < perClass ? (taken[y[i]]++, train) : test).push(i);
    const pick = (rows: number[]) => {
      const out = new Float32Array(rows.length * d);
      rows.forEach((i, k) => out.set(X.subarray(i * d, (i + 1) * d), k * d));
      return out;
    };
    const { model } = fitLogReg(pick(train), Int32Array.from(train.map((i) => y[i])), train.length, d, C);
    const p = predictProba(model, pick(test), test.length);
    let ok = 0;
    test.forEach((i, k) => {
      let b = 0;
      for (let c = 1; c < C; c++) if (p[k * C + c] > p[k * C + b]) b = c;
      if (b === y[i]) ok++;
    });
    sum += ok / test.length;
  }
  return sum / repeats;
}

export async function embedPooled(backbone: string, files: string[]): Promise<{ X: Float32Array; d: number }> {
  const e = await createEmbedder({ backbone, device: 'cpu', offline: true, fetchMissing: true });
  try {
    const d = e.info.pooledDim;
    const X = new Float32Array(files.length * d);
    await e.embedPaths(files, 'pooled', (r) => {
      if (!r.ok) throw new Error(r.error);
      X.set(r.embedding.pooled, r.index * d);
    });
    return { X, d };
  } finally {
    await e.dispose();
  }
}

async function main() {
  const values = new Command('npx tsx scripts/probe-backbone.ts')
    .description(
      "linear probe of a backbone's pooled features: on the shape-only demo pictures (default), or with --data " +
        'on class-folders sets (mnist:N for MNIST digits) per pooled layer of MobileNetV2',
    )
    .option('--count <n>', 'demo pictures', '400')
    .option('--per-class <list>', 'labels per class, comma-separated', '5,10,25')
    .option(
      '--variants <list>',
      'mobilenet, mobilenet-pm1, shuffled, tiny; with --data: layer:<keras layer> or a backbone name',
      'mobilenet,mobilenet-pm1,shuffled,tiny',
    )
    .option('--data <list>', 'class-folders sets, comma-separated (mnist:N for N MNIST digits)')
    .showHelpAfterError()
    .parse()
    .opts<{ count: string; perClass: string; variants: string; data?: string }>();
  const perClass = values.perClass;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hilt-probe-'));
  if (values.data) {
    await probeLayers(values.data.split(','), values.variants.split(','), tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
    return;
  }
  const { items } = await makeDemoImages(path.join(tmp, 'demo'), {
    count: Number(values.count),
    seed: 11,
    cue: 'shape',
  });
  const y = Int32Array.from(items.map((i) => i.classIndex - 1));
  const folders: Record<string, () => Promise<string>> = {
    mobilenet: async () => (await fetchModel('mobilenetv2-imagenet')).dir,
    'mobilenet-pm1': () => mobilenetVariant(path.join(tmp, 'pm1'), { plusMinusOne: true }),
    shuffled: () => mobilenetVariant(path.join(tmp, 'shuffled'), { shuffled: true }),
    tiny: async () => 'tiny',
  };
  for (const v of values.variants.split(',')) {
    const t0 = performance.now();
    const { X, d } = await embedPooled(
      await folders[v](),
      items.map((i) => i.file),
    );
    const secs = (performance.now() - t0) / 1000;
    for (const k of perClass.split(',').map(Number)) {
      console.log(
        JSON.stringify({
          variant: v,
          perClass: k,
          accuracy: +probeAccuracy(X, y, d, k).toFixed(3),
          embedSeconds: +secs.toFixed(1),
          images: items.length,
        }),
      );
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith('probe-backbone.ts')) await main();
