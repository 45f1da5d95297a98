// `hilt export --format onnx`: the trainer's current head (saved by the server in the session's
// models/head.json) appended to its backbone's ONNX graph → one model, `pixel_values` → `probs`
// (classification [B, C]; segmentation [B, C, H/stride, W/stride]), written with its preprocessor config,
// labels and a validation report: onnxruntime on session images must reproduce the trainer's own stored
// predictions of that model version within the stated tolerance.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Prediction, Task } from '../server/protocol.ts';
import { fetchModel, hasModel } from './backbones/load.ts';
import { headPatch } from './onnx/head-graph.ts';
import { TASKS } from './tasks/index.ts';
import { preparePixels, type PixelSpec } from './preprocess.ts';
import { IMAGE_BACKGROUND_HEX } from '../server/image-background.ts';

export interface HeadFile {
  task: Task; version: number; classIds: number[]; d: number; C: number; A: string; b: string; savedAt?: number;
  backbone: { name: string; dir?: string; patchSize: number; registers: number; resolution: number; segShortSide: number };
}
export interface ExportSample { imageId: number; path: string; expected: Prediction }
export interface ExportOptions { head: HeadFile; classes: { id: number; name: string }[]; out: string; samples: ExportSample[] }


export interface ValidationReport {
  modelVersion: number; task: Task; samples: number; passed: boolean; tolerance: object;
  maxAbsDiff: number; argmaxAgreement: number; reason?: string;
}

const f32 = (b64: string) => { const b = Buffer.from(b64, 'base64'); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };

export async function exportOnnx(o: ExportOptions): Promise<ValidationReport> {
  const { head } = o;
  // the folder the trainer loaded, when it is on this host; else the same backbone by name (generated ones
  // are rebuilt, a hub model must be in models/ or downloadable)
  const src = head.backbone.dir && hasModel(head.backbone.dir) ? head.backbone.dir : await fetchModel(head.backbone.name);
  fs.mkdirSync(path.join(o.out, 'onnx'), { recursive: true });
  const base = fs.readFileSync(path.join(src, 'onnx', 'model.onnx'));
  const backboneConfig = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
  const pooled = backboneConfig.hilt?.pooled === 'pooler_output' ? 'pooler_output' as const : 'tokens' as const;
  const patch = headPatch({ task: head.task, d: head.d, C: head.C, A: f32(head.A), b: f32(head.b), registers: head.backbone.registers, patchSize: head.backbone.patchSize, pooled }, TASKS[head.task].exported.graph);
  fs.writeFileSync(path.join(o.out, 'onnx', 'model.onnx'), Buffer.concat([base, patch]));
  const data = path.join(src, 'onnx', 'model.onnx_data');
  if (fs.existsSync(data)) fs.copyFileSync(data, path.join(o.out, 'onnx', 'model.onnx_data'));
  fs.copyFileSync(path.join(src, 'preprocessor_config.json'), path.join(o.out, 'preprocessor_config.json'));
  const names = new Map(o.classes.map((c) => [c.id, c.name]));
  const labels = head.classIds.map((id, index) => ({ index, id, name: names.get(id) ?? `class ${id}` }));
  fs.writeFileSync(path.join(o.out, 'labels.json'), JSON.stringify(labels, null, 2) + '\n');
  const pre = JSON.parse(fs.readFileSync(path.join(src, 'preprocessor_config.json'), 'utf8'));
  const config = {
    hilt_export: 1, task: head.task, modelVersion: head.version, backbone: head.backbone.name,
    inputs: { pixel_values: '[B, 3, H, W] float32, normalised as preprocessor_config.json says' },
    outputs: { probs: TASKS[head.task].exported.outputs },
    resolution: head.backbone.resolution, segShortSide: head.backbone.segShortSide, stride: head.backbone.patchSize,
    rescale: pre.do_rescale === false ? 1 : (pre.rescale_factor ?? 1 / 255),
    mean: pre.do_normalize === false ? [0, 0, 0] : (pre.image_mean ?? [0.485, 0.456, 0.406]),
    std: pre.do_normalize === false ? [1, 1, 1] : (pre.image_std ?? [0.229, 0.224, 0.225]),
    // transparent pixels are composited onto this colour before resizing (hilt predict and the trainer do)
    background: IMAGE_BACKGROUND_HEX,
    exportedAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(o.out, 'hilt.json'), JSON.stringify(config, null, 2) + '\n');
  const report = await validate(o.out, o.samples, head);
  fs.writeFileSync(path.join(o.out, 'validation.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

export interface ExportedModel { dir: string; task: Task; labels: { index: number; id: number; name: string }[]; spec: PixelSpec; session: ort.InferenceSession }

export async function loadExported(dir: string): Promise<ExportedModel> {
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'hilt.json'), 'utf8'));
  if (cfg.hilt_export !== 1) throw new Error(`${dir} is not a hilt export (hilt.json)`);
  const labels = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8'));
  const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
  const spec: PixelSpec = { rescale: cfg.rescale, mean: cfg.mean, std: cfg.std, resolution: cfg.resolution, segShortSide: cfg.segShortSide, patchSize: cfg.stride };
  return { dir, task: cfg.task, labels, spec, session };
}

/** Runs one image through an exported model: probs [C] (classification) or [C, h, w] with its grid size. */
export async function runExported(m: ExportedModel, src: string | Buffer): Promise<{ probs: Float32Array; h: number; w: number }> {
  const img = await preparePixels(src, TASKS[m.task].embedMode, m.spec);
  const out = await m.session.run({ pixel_values: new ort.Tensor('float32', img.data, [1, 3, img.height, img.width]) });
  const p = out.probs;
  const dims = p.dims as number[];
  return { probs: p.data as Float32Array, h: dims[2] ?? 1, w: dims[3] ?? 1 };
}

async function validate(dir: string, samples: ExportSample[], head: HeadFile): Promise<ValidationReport> {
  const exported = TASKS[head.task].exported, tol = exported.tolerance;
  const base = { modelVersion: head.version, task: head.task, tolerance: tol, samples: samples.length };
  if (!samples.length) {
    return { ...base, passed: false, maxAbsDiff: NaN, argmaxAgreement: NaN, reason: `no stored predictions of model v${head.version} to compare with: let the trainer finish predicting, then export again` };
  }
  const m = await loadExported(dir);
  const col = new Map(head.classIds.map((id, i) => [id, i]));
  let maxAbs = 0, agree = 0, total = 0;
  try {
    for (const s of samples) {
      const r = await runExported(m, s.path);
      const e = s.expected;
      if ('probs' in e) {
        let best = 0;
        for (let c = 0; c < head.C; c++) {
          maxAbs = Math.max(maxAbs, Math.abs(r.probs[c] - (e.probs[String(head.classIds[c])] ?? 0)));
          if (r.probs[c] > r.probs[best]) best = c;
        }
        agree += head.classIds[best] === e.classId ? 1 : 0; total++;
      } else {
        const map = Buffer.from(e.map, 'base64'), n = e.width * e.height;
        if (r.h !== e.height || r.w !== e.width) throw new Error(`image ${s.imageId}: grid ${r.w}×${r.h} but the trainer's was ${e.width}×${e.height}`);
        for (let q = 0; q < n; q++) {
          let bo = 0, be = 0;
          for (let k = 0; k < e.classIds.length; k++) {
            const c = col.get(e.classIds[k]);
            if (c === undefined) continue;
            const ours = r.probs[c * n + q], theirs = map[k * n + q];
            maxAbs = Math.max(maxAbs, Math.abs(Math.round(ours * 255) - theirs));
            if (ours > r.probs[bo * n + q]) bo = c;
            if (theirs > map[be * n + q]) be = k;
          }
          agree += head.classIds[bo] === e.classIds[be] ? 1 : 0; total++;
        }
      }
    }
  } finally { await m.session.release(); }
  const agreement = agree / total;
  const passed = exported.passed(maxAbs, agreement);
  return { ...base, passed, maxAbsDiff: +maxAbs.toPrecision(4), argmaxAgreement: +agreement.toFixed(4) };
}
