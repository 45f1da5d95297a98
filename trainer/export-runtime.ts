// An exported model as `hilt predict` and the export's validation run it: its files, its labels, how its
// input is prepared (trainer/preprocess.ts, as the trainer embeds), and one image through it.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Prediction, Task } from '../common/protocol.ts';
import { TASKS } from './tasks/index.ts';
import { preparePixels, type PixelSpec } from './preprocess.ts';

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
  return { dir, task: cfg.task, labels, spec, session };
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
