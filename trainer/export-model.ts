// `hilt export --format onnx`: the trainer's current head (saved by the server in the session's
// models/head.json) appended to its backbone's ONNX graph → one model, `pixel_values` → `probs`
// (classification [B, C]; segmentation [B, C, H/stride, W/stride]), written with its preprocessor config,
// labels and a validation report: onnxruntime on session images must reproduce the trainer's own stored
// predictions of that model version (trainer/export-validate.ts says how closely).
import fs from 'node:fs';
import path from 'node:path';
import { hasModel } from './backbones/folder.ts';
import { fetchModel } from './backbones/registry.ts';
import { headPatch } from './onnx/head-graph.ts';
import { TASKS } from './tasks/index.ts';
import { IMAGE_BACKGROUND_HEX } from '../common/image-background.ts';
import { validate } from './export-validate.ts';
import { REGIONS_ONNX, type ExportOptions, type RegionsFile, type ValidationReport } from './export-runtime.ts';

export {
  exportedRegions,
  loadExported,
  releaseExported,
  runExported,
  runRegions,
  type ExportedModel,
  type ExportOptions,
  type ExportSample,
  type HeadFile,
  type ValidationReport,
} from './export-runtime.ts';

const f32 = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

export async function exportOnnx(o: ExportOptions): Promise<ValidationReport> {
  const { head } = o;
  // the folder the trainer loaded, when it is on this host; else the same backbone by name, through its
  // `hilt fetch-model` step (ours are rebuilt, a hub model must be in models/ or downloadable)
  const src =
    head.backbone.dir && hasModel(head.backbone.dir) ? head.backbone.dir : (await fetchModel(head.backbone.name)).dir;
  fs.mkdirSync(path.join(o.out, 'onnx'), { recursive: true });
  const base = fs.readFileSync(path.join(src, 'onnx', 'model.onnx'));
  const backboneConfig = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
  const pooled = backboneConfig.hilt?.pooled === 'pooler_output' ? ('pooler_output' as const) : ('tokens' as const);
  const patch = headPatch(
    {
      task: head.task,
      d: head.d,
      C: head.C,
      A: f32(head.A),
      b: f32(head.b),
      registers: head.backbone.registers,
      patchSize: head.backbone.patchSize,
      pooled,
    },
    TASKS[head.task].exported.graph,
  );
  fs.writeFileSync(path.join(o.out, 'onnx', 'model.onnx'), Buffer.concat([base, patch]));
  // segmentation's crop head: the same backbone, pooled as for classification, then the crop head
  const r = head.task === 'segmentation' ? head.regions : undefined;
  if (r) {
    const regions = headPatch(
      {
        task: 'classification',
        d: r.d,
        C: r.C,
        A: f32(r.A),
        b: f32(r.b),
        registers: head.backbone.registers,
        patchSize: head.backbone.patchSize,
        pooled,
      },
      TASKS.classification.exported.graph,
    );
    fs.writeFileSync(path.join(o.out, REGIONS_ONNX), Buffer.concat([base, regions]));
  }
  const data = path.join(src, 'onnx', 'model.onnx_data');
  if (fs.existsSync(data)) fs.copyFileSync(data, path.join(o.out, 'onnx', 'model.onnx_data'));
  fs.copyFileSync(path.join(src, 'preprocessor_config.json'), path.join(o.out, 'preprocessor_config.json'));
  const names = new Map(o.classes.map((c) => [c.id, c.name]));
  const labels = head.classIds.map((id, index) => ({ index, id, name: names.get(id) ?? `class ${id}` }));
  fs.writeFileSync(path.join(o.out, 'labels.json'), JSON.stringify(labels, null, 2) + '\n');
  const pre = JSON.parse(fs.readFileSync(path.join(src, 'preprocessor_config.json'), 'utf8'));
  const config = {
    hilt_export: 1,
    task: head.task,
    modelVersion: head.version,
    backbone: head.backbone.name,
    inputs: { pixel_values: '[B, 3, H, W] float32, normalised as preprocessor_config.json says' },
    outputs: { probs: TASKS[head.task].exported.outputs },
    resolution: head.backbone.resolution,
    segShortSide: head.backbone.segShortSide,
    stride: head.backbone.patchSize,
    rescale: pre.do_rescale === false ? 1 : (pre.rescale_factor ?? 1 / 255),
    mean: pre.do_normalize === false ? [0, 0, 0] : (pre.image_mean ?? [0.485, 0.456, 0.406]),
    std: pre.do_normalize === false ? [1, 1, 1] : (pre.image_std ?? [0.229, 0.224, 0.225]),
    // transparent pixels are composited onto this colour before resizing (hilt predict and the trainer do)
    background: IMAGE_BACKGROUND_HEX,
    ...(r
      ? {
          // each shape region of the refined map is named by onnx/regions.onnx on its crop, then refined again
          regions: {
            model: REGIONS_ONNX,
            probs: '[B, K] class probabilities of a crop, K = classIds.length',
            classIds: r.classIds,
            crop: r.crop,
            minFraction: r.minFraction,
            guideSide: r.guideSide,
          } satisfies RegionsFile & { model: string; probs: string },
        }
      : {}),
    exportedAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(o.out, 'hilt.json'), JSON.stringify(config, null, 2) + '\n');
  const report = await validate(o.out, o.samples, head, src);
  fs.writeFileSync(path.join(o.out, 'validation.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}
