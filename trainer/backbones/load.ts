// Loads a backbone's model folder through transformers.js (AutoModel → DINOv3ViTModel for model_type
// "dinov3_vit"). It only reads: a missing folder is an error naming the `hilt fetch-model` to run (registry.ts
// and fetch.ts make folders). Folders are passed as absolute paths: transformers.js treats a string that is
// not a valid hub id as a path and reads <dir>/config.json, <dir>/onnx/model.onnx directly.
import fs from 'node:fs';
import path from 'node:path';
import { AutoModel, env, type PreTrainedModel } from '@huggingface/transformers';
import type { InferenceSession } from 'onnxruntime-node';
import type { DeviceName } from './device.ts';
import { BackboneLoadError, configHash, hasModel } from './folder.ts';
import { missingFolderError, MODELS_DIR, resolveBackbone, type ResolvedBackbone } from './registry.ts';

export { BackboneLoadError, hasModel, type LoadFailureKind } from './folder.ts';

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
  /** hash of the folder's config.json and preprocessor_config.json (folder.ts): part of the feature cache's key */
  configHash: string;
  patchSize: number;
  numRegisters: number;
  preprocess: PreprocessSpec;
  device: DeviceName;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  backbone: string;
  device?: DeviceName;
  /** kept for callers that pass it; loading never downloads either way */
  offline?: boolean;
  /** where registered backbones' folders are (default models/) */
  modelsDir?: string;
  sessionOptions?: InferenceSession.SessionOptions;
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

export async function loadBackbone(opts: LoadOptions): Promise<LoadedBackbone> {
  const device = opts.device ?? 'cpu';
  let spec: ResolvedBackbone;
  try {
    spec = resolveBackbone(opts.backbone, opts.modelsDir ?? MODELS_DIR);
  } catch (e) {
    throw new BackboneLoadError('unknown_backbone', opts.backbone, (e as Error).message, e);
  }
  const dir = spec.dir;
  if (!hasModel(dir)) throw missingFolderError(spec);
  env.allowLocalModels = true;
  env.allowRemoteModels = false; // a folder on disk: nothing is downloaded while loading
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
    configHash: configHash(dir),
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
