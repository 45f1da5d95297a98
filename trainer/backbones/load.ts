// Loads a backbone through transformers.js (AutoModel → DINOv3ViTModel for model_type "dinov3_vit").
// Local folders are passed as absolute paths: transformers.js treats a string that is not a valid
// hub id as a path and reads <dir>/config.json, <dir>/onnx/model.onnx directly.
import fs from 'node:fs';
import path from 'node:path';
import { AutoImageProcessor, AutoModel, env, type PreTrainedModel } from '@huggingface/transformers';
import type { InferenceSession } from 'onnxruntime-node';
import { ensureBackboneFolder } from '../onnx/make.ts';
import { PackageFetchError } from '../onnx/npm-package.ts';
import type { DeviceName } from './device.ts';
import { localHubFolder, MODELS_DIR, resolveBackbone, type BackboneSpec } from './registry.ts';

export type LoadFailureKind = 'offline' | 'download_failed' | 'unknown_backbone' | 'load_failed';

export class BackboneLoadError extends Error {
  constructor(
    readonly kind: LoadFailureKind,
    readonly backbone: string,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'BackboneLoadError';
  }
}

/** The part of preprocessor_config.json we reproduce with sharp (see trainer/embed.ts). */
export interface PreprocessSpec {
  size: { height: number; width: number };
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface LoadedBackbone {
  name: string;
  /** Folder actually loaded (hub models are loaded from their local copy under models/). */
  dir: string;
  /** true for our random-weight backbones: features are informative but not DINOv3's. */
  randomWeights: boolean;
  model: PreTrainedModel;
  /** The raw onnxruntime session, for bare `run` benchmarks. */
  session: InferenceSession;
  /** width of the patch tokens (config hidden_size) */
  dim: number;
  /**
   * Where classification's pooled features come from: 'tokens' = token 0 ‖ mean of the patch tokens (a ViT:
   * CLS ‖ mean patch), 'pooler_output' = the backbone's pooled output twice, for a backbone whose tokens are
   * may be another map than the one it pools (config hilt.pooled; MobileNetV2 v3 pools its token map).
   */
  pooled: { from: 'tokens' | 'pooler_output'; dim: number };
  /** generator version of a generated backbone (config hilt.generator_version) */
  version?: number;
  patchSize: number;
  numRegisters: number;
  preprocess: PreprocessSpec;
  device: DeviceName;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  backbone: string;
  device?: DeviceName;
  offline?: boolean;
  modelsDir?: string;
  sessionOptions?: InferenceSession.SessionOptions;
}

function offlineMessage(spec: { name: string; hubId: string }, why: string): string {
  return (
    `cannot download ${spec.hubId} (${why}); ` +
    `use \`npx hilt fetch-model ${spec.name}\` on a machine with internet (it saves to models/), ` +
    `or run with --backbone mobilenetv2-imagenet (real ImageNet features, no hub needed)`
  );
}

/** config.json + onnx/model.onnx, and the external data file when the config says there is one. */
export function hasModel(dir: string): boolean {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const ext = cfg['transformers.js_config']?.use_external_data_format;
    return (
      fs.existsSync(path.join(dir, 'onnx', 'model.onnx')) &&
      (!ext || fs.existsSync(path.join(dir, 'onnx', 'model.onnx_data')))
    );
  } catch {
    return false;
  }
}

/** Finds (or generates) the folder to load; throws BackboneLoadError when it cannot exist here. */
async function folderFor(spec: BackboneSpec, modelsDir: string, offline: boolean): Promise<string> {
  if (spec.kind === 'generated') {
    try {
      return (await ensureBackboneFolder({ kind: spec.generated, out: spec.dir })).dir;
    } catch (e) {
      if (e instanceof PackageFetchError)
        throw new BackboneLoadError('download_failed', spec.name, `cannot build ${spec.name}: ${e.message}`, e);
      throw e;
    }
  }
  if (spec.kind === 'local') return spec.dir;
  const dir = localHubFolder(spec.hubId, modelsDir);
  if (hasModel(dir)) return dir;
  throw new BackboneLoadError(
    'offline',
    spec.name,
    offlineMessage(spec, offline ? 'offline mode, and no local copy in ' + dir : 'no local copy in ' + dir),
  );
}

function readPreprocess(dir: string): PreprocessSpec {
  const p = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessor_config.json'), 'utf8'));
  const size = p.size?.height ? p.size : { height: p.size?.shortest_edge ?? 224, width: p.size?.shortest_edge ?? 224 };
  return {
    size,
    rescale: p.do_rescale === false ? 1 : (p.rescale_factor ?? 1 / 255),
    mean: p.do_normalize === false ? [0, 0, 0] : (p.image_mean ?? [0.485, 0.456, 0.406]),
    std: p.do_normalize === false ? [1, 1, 1] : (p.image_std ?? [0.229, 0.224, 0.225]),
  };
}

export function configureTransformers(offline: boolean, modelsDir = MODELS_DIR): void {
  env.allowLocalModels = true;
  env.allowRemoteModels = !offline;
  env.localModelPath = modelsDir;
  env.cacheDir = modelsDir; // downloads land where the offline loader looks (models/<org>/<repo>/)
  // a hub mirror (the huggingface_hub convention), e.g. a company proxy; also how tests serve a fake hub
  if (process.env.HF_ENDPOINT) env.remoteHost = process.env.HF_ENDPOINT.replace(/\/?$/, '/');
}

export async function loadBackbone(opts: LoadOptions): Promise<LoadedBackbone> {
  const modelsDir = opts.modelsDir ?? MODELS_DIR;
  const offline = opts.offline ?? false;
  const device = opts.device ?? 'cpu';
  let spec: BackboneSpec;
  try {
    spec = resolveBackbone(opts.backbone);
  } catch (e) {
    throw new BackboneLoadError('unknown_backbone', opts.backbone, (e as Error).message, e);
  }
  configureTransformers(offline, modelsDir);
  // Without internet the only way to get a hub model is a local copy; with internet we let
  // fetchModel download it first so loading itself is always from a folder.
  if (spec.kind === 'hub' && !offline && !hasModel(localHubFolder(spec.hubId, modelsDir))) {
    await fetchModel(spec.name, modelsDir);
  }
  const dir = await folderFor(spec, modelsDir, offline);
  let model: PreTrainedModel;
  try {
    model = await AutoModel.from_pretrained(dir, {
      device,
      dtype: 'fp32',
      session_options: opts.sessionOptions,
    });
  } catch (e) {
    throw new BackboneLoadError(
      'load_failed',
      spec.name,
      `loading ${dir} on ${device} failed: ${(e as Error).message}`,
      e,
    );
  }
  const cfg = model.config as unknown as Record<string, number>;
  const session = (model as unknown as { sessions: Record<string, InferenceSession> }).sessions.model;
  const cfgJson = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  return {
    name: spec.name,
    dir,
    randomWeights: cfgJson.hilt?.random_weights === true,
    model,
    session,
    dim: cfg.hidden_size,
    version: typeof cfgJson.hilt?.generator_version === 'number' ? cfgJson.hilt.generator_version : undefined,
    pooled:
      cfgJson.hilt?.pooled === 'pooler_output'
        ? { from: 'pooler_output', dim: 2 * cfgJson.hilt.pooler_size }
        : { from: 'tokens', dim: 2 * cfg.hidden_size },
    patchSize: cfg.patch_size ?? 16,
    numRegisters: cfg.num_register_tokens ?? 0,
    preprocess: readPreprocess(dir),
    device,
    dispose: async () => {
      await model.dispose();
    },
  };
}

/** Never throws: `{ ok: false, error }` lets the trainer fall back (e.g. to tiny) and say so. */
export async function tryLoadBackbone(
  opts: LoadOptions,
): Promise<{ ok: true; backbone: LoadedBackbone } | { ok: false; error: BackboneLoadError }> {
  try {
    return { ok: true, backbone: await loadBackbone(opts) };
  } catch (e) {
    const err = e instanceof BackboneLoadError ? e : new BackboneLoadError('load_failed', opts.backbone, String(e), e);
    return { ok: false, error: err };
  }
}

/**
 * `hilt fetch-model NAME`: downloads a hub backbone via transformers.js into destDir/<org>/<repo>/
 * (config, preprocessor config, fp32 ONNX). Returns the folder; throws BackboneLoadError without internet.
 */
export async function fetchModel(name: string, destDir: string = MODELS_DIR): Promise<string> {
  const spec = resolveBackbone(name);
  if (spec.kind !== 'hub') return await folderFor(spec, destDir, true);
  const dir = localHubFolder(spec.hubId, destDir);
  configureTransformers(false, destDir);
  try {
    await AutoImageProcessor.from_pretrained(spec.hubId, { cache_dir: destDir });
    const model = await AutoModel.from_pretrained(spec.hubId, { cache_dir: destDir, dtype: 'fp32', device: 'cpu' });
    await model.dispose();
  } catch (e) {
    // undici's "fetch failed" hides the useful part (ENOTFOUND huggingface.co, ECONNREFUSED …) in .cause
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const msg = ((e as Error).message ?? String(e)) + (cause ? ` (${cause.code ?? cause.message})` : '');
    throw new BackboneLoadError('download_failed', spec.name, offlineMessage(spec, `download failed: ${msg}`), e);
  }
  if (!hasModel(dir)) {
    throw new BackboneLoadError(
      'download_failed',
      spec.name,
      `download of ${spec.hubId} finished but ${dir} is incomplete`,
    );
  }
  return dir;
}
