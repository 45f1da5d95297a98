// Linear probe of a backbone's pooled features on the shape-only demo pictures (random colours): how well
// does a logistic head separate circle / square / triangle / star from N labels per class? Used to choose
// MobileNetV2's input scaling and to show its features are real (against the same net with shuffled weights
// and the random-weight `tiny`). Prints one JSON line per variant.
// Usage: npx tsx scripts/probe-backbone.ts [--count 400] [--per-class 5,10,25] [--variants mobilenet,mobilenet-pm1,shuffled,tiny]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeDemoImages } from './make-demo.ts';
import { createEmbedder } from '../trainer/embed.ts';
import { fitLogReg, predictProba } from '../trainer/heads/logreg.ts';
import { ensureBackboneFolder, writeAtomic, MODELS_DIR } from '../trainer/onnx/make.ts';
import { loadMobilenetKeras, mobilenetConfig, mobilenetOnnx, MOBILENET_PREPROCESSOR, npmCacheDir, shuffledWeights } from '../trainer/onnx/mobilenet.ts';
import { mulberry32 } from '../trainer/rng.ts';

export interface ProbeResult { variant: string; perClass: number; accuracy: number; repeats: number }

/** A mobilenet folder with other weights or input scaling, written beside the real one (for probes and tests). */
export async function mobilenetVariant(dir: string, o: { shuffled?: boolean; plusMinusOne?: boolean }): Promise<string> {
  const keras = await loadMobilenetKeras(npmCacheDir(MODELS_DIR));
  writeAtomic(path.join(dir, 'onnx', 'model.onnx'), mobilenetOnnx(o.shuffled ? shuffledWeights(keras) : keras).bytes);
  const pre = o.plusMinusOne ? { ...MOBILENET_PREPROCESSOR, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] } : MOBILENET_PREPROCESSOR;
  writeAtomic(path.join(dir, 'preprocessor_config.json'), JSON.stringify(pre));
  writeAtomic(path.join(dir, 'config.json'), JSON.stringify(mobilenetConfig({ generator_version: -1, variant: o })));
  return dir;
}

/** Mean test accuracy of a logistic head on `perClass` random labels per class, over `repeats` draws. */
export function probeAccuracy(X: Float32Array, y: Int32Array, d: number, perClass: number, repeats = 5, seed = 1): number {
  const n = y.length, C = Math.max(...y) + 1;
  let sum = 0;
  for (let r = 0; r < repeats; r++) {
    const rand = mulberry32(seed + r * 101);
    const order = Array.from({ length: n }, (_, i) => i).sort(() => rand() - 0.5);
    const taken = new Array(C).fill(0), train: number[] = [], test: number[] = [];
    for (const i of order) (taken[y[i]] < perClass ? (taken[y[i]]++, train) : test).push(i);
    const pick = (rows: number[]) => { const out = new Float32Array(rows.length * d); rows.forEach((i, k) => out.set(X.subarray(i * d, (i + 1) * d), k * d)); return out; };
    const { model } = fitLogReg(pick(train), Int32Array.from(train.map((i) => y[i])), train.length, d, C);
    const p = predictProba(model, pick(test), test.length);
    let ok = 0;
    test.forEach((i, k) => { let b = 0; for (let c = 1; c < C; c++) if (p[k * C + c] > p[k * C + b]) b = c; if (b === y[i]) ok++; });
    sum += ok / test.length;
  }
  return sum / repeats;
}

export async function embedPooled(backbone: string, files: string[]): Promise<{ X: Float32Array; d: number }> {
  const e = await createEmbedder({ backbone, device: 'cpu', offline: true });
  try {
    const d = e.info.pooledDim;
    const X = new Float32Array(files.length * d);
    await e.embedPaths(files, 'pooled', (r) => { if (!r.ok) throw new Error(r.error); X.set(r.embedding.pooled, r.index * d); });
    return { X, d };
  } finally { await e.dispose(); }
}

async function main() {
  const { values } = parseArgs({ options: {
    count: { type: 'string', default: '400' }, 'per-class': { type: 'string', default: '5,10,25' },
    variants: { type: 'string', default: 'mobilenet,mobilenet-pm1,shuffled,tiny' }, help: { type: 'boolean', short: 'h' },
  } });
  if (values.help) { console.log('usage: probe-backbone [--count 400] [--per-class 5,10,25] [--variants mobilenet,mobilenet-pm1,shuffled,tiny]'); return; }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hilt-probe-'));
  const { items } = await makeDemoImages(path.join(tmp, 'demo'), { count: Number(values.count), seed: 11, cue: 'shape' });
  const y = Int32Array.from(items.map((i) => i.classIndex - 1));
  const folders: Record<string, () => Promise<string>> = {
    mobilenet: async () => (await ensureBackboneFolder({ kind: 'mobilenetv2' })).dir,
    'mobilenet-pm1': () => mobilenetVariant(path.join(tmp, 'pm1'), { plusMinusOne: true }),
    shuffled: () => mobilenetVariant(path.join(tmp, 'shuffled'), { shuffled: true }),
    tiny: async () => 'tiny',
  };
  for (const v of values.variants!.split(',')) {
    const t0 = performance.now();
    const { X, d } = await embedPooled(await folders[v](), items.map((i) => i.file));
    const secs = (performance.now() - t0) / 1000;
    for (const k of values['per-class']!.split(',').map(Number)) {
      console.log(JSON.stringify({ variant: v, perClass: k, accuracy: +probeAccuracy(X, y, d, k).toFixed(3), embedSeconds: +secs.toFixed(1), images: items.length }));
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith('probe-backbone.ts')) await main();
