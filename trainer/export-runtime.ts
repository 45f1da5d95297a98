// An exported model as `hilt predict` and the export's validation run it: its files, its labels, how its
// input is prepared (trainer/preprocess.ts, as the trainer embeds), and one image through it.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Prediction, Task } from '../common/protocol.ts';
import { TASKS } from './tasks/index.ts';
import type { ExportedRegions } from './tasks/exported.ts';
import { pixelTable, prepareCrop, preparePixels, type PixelSpec } from './preprocess.ts';

export interface HeadFile {
  task: Task;
  version: number;
  classIds: number[];
  d: number;
  C: number;
  A: string;
  b: string;
  savedAt?: number;
  backbone: {
    name: string;
    dir?: string;
    patchSize: number;
    registers: number;
    resolution: number;
    segShortSide: number;
  };
  /** segmentation: the crop head that names each shape region (common/protocol.ts, the `head` frame) */
  regions?: RegionsFile & { d: number; C: number; A: string; b: string };
}
/** how a segmentation export names the shape regions of its refined map (hilt.json's `regions`) */
export interface RegionsFile {
  /** class id of each column of regions.onnx's `probs` */
  classIds: number[];
  crop: { margin: number; fill: [number, number, number]; side: number };
  minFraction: number;
  guideSide: number;
}
export interface ExportSample {
  imageId: number;
  path: string;
  expected: Prediction;
}
export interface ExportOptions {
  head: HeadFile;
  classes: { id: number; name: string }[];
  out: string;
  samples: ExportSample[];
}

export interface ValidationReport {
  modelVersion: number;
  task: Task;
  samples: number;
  passed: boolean;
  tolerance: object;
  maxAbsDiff: number;
  argmaxAgreement: number;
  reason?: string;
  /** classification: what each check measured (trainer/export-validate.ts) */
  checks?: Record<string, number>;
}

export interface ExportedModel {
  dir: string;
  task: Task;
  labels: { index: number; id: number; name: string }[];
  spec: PixelSpec;
  session: ort.InferenceSession;
  /** segmentation: onnx/regions.onnx (backbone + crop head, `pixel_values` of a crop → `probs` [B, K]) */
  regions?: RegionsFile & { session: ort.InferenceSession };
}

export async function loadExported(dir: string): Promise<ExportedModel> {
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'hilt.json'), 'utf8'));
  if (cfg.hilt_export !== 1) throw new Error(`${dir} is not a hilt export (hilt.json)`);
  const labels = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8'));
  const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
  const spec: PixelSpec = {
    rescale: cfg.rescale,
    mean: cfg.mean,
    std: cfg.std,
    resolution: cfg.resolution,
    segShortSide: cfg.segShortSide,
    patchSize: cfg.stride,
  };
  const regions = cfg.regions
    ? { ...(cfg.regions as RegionsFile), session: await ort.InferenceSession.create(path.join(dir, REGIONS_ONNX)) }
    : undefined;
  return { dir, task: cfg.task, labels, spec, session, regions };
}

/** the export's region model, next to model.onnx */
export const REGIONS_ONNX = path.join('onnx', 'regions.onnx');

/** Frees an exported model's onnxruntime sessions. */
export async function releaseExported(m: ExportedModel): Promise<void> {
  await m.session.release();
  await m.regions?.session.release();
}

/** crops per run of the region model */
const REGION_BATCH = 16;

/** The region model's class probabilities [K] for each RGB crop [side, side, 3], prepared as the trainer embeds
 *  a crop (normalised at its own side, not resized); REGION_BATCH crops per run. */
export async function runRegions(m: ExportedModel, crops: Uint8Array[], side: number): Promise<Float32Array[]> {
  const r = m.regions;
  if (!r) throw new Error(`${m.dir} has no region model`);
  const lut = pixelTable(m.spec);
  const out: Float32Array[] = [];
  for (let s = 0; s < crops.length; s += REGION_BATCH) {
    const imgs = crops.slice(s, s + REGION_BATCH).map((px) => prepareCrop(px, side, lut));
    const n = imgs[0].data.length,
      batch = new Float32Array(n * imgs.length);
    imgs.forEach((img, i) => batch.set(img.data, i * n));
    const res = await r.session.run({
      pixel_values: new ort.Tensor('float32', batch, [imgs.length, 3, imgs[0].height, imgs[0].width]),
    });
    const probs = res.probs.data as Float32Array,
      K = probs.length / imgs.length;
    for (let i = 0; i < imgs.length; i++) out.push(probs.slice(i * K, i * K + K));
  }
  return out;
}

/** The export's region model as a region namer (its columns' class ids as the map's class indices). */
export function exportedRegions(m: ExportedModel): ExportedRegions | undefined {
  const r = m.regions;
  if (!r) return undefined;
  const classes = r.classIds.map((id) => m.labels.findIndex((l) => l.id === id));
  if (classes.some((c) => c < 0)) throw new Error(`${m.dir}: the region model names a class labels.json lacks`);
  return {
    namer: {
      classes,
      probs: (crops, side) => runRegions(m, crops, side),
      crop: r.crop,
      minFraction: r.minFraction,
    },
    guideSide: r.guideSide,
  };
}

/** Runs one image through an exported model: probs [C] (classification) or [C, h, w] with its grid size. */
export async function runExported(
  m: ExportedModel,
  src: string | Buffer,
): Promise<{ probs: Float32Array; h: number; w: number }> {
  const img = await preparePixels(src, TASKS[m.task].embedMode, m.spec);
  const out = await m.session.run({ pixel_values: new ort.Tensor('float32', img.data, [1, 3, img.height, img.width]) });
  const p = out.probs;
  const dims = p.dims as number[];
  return { probs: p.data as Float32Array, h: dims[2] ?? 1, w: dims[3] ?? 1 };
}
