// Writes a transformers.js-loadable model folder (onnx/model.onnx + config.json +
// preprocessor_config.json) for our generated backbones. Idempotent: an existing folder made by
// the same generator version is kept; writes go through a temp file + rename so concurrent test
// workers never see a half-written model.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTiny } from './tiny.ts';
import { buildVit, VITS16 } from './vit.ts';

export type GeneratedKind = 'tiny' | 'vits16';
const GENERATOR_VERSION = 1;
export const TINY_DIM = 64;

export const MODELS_DIR =
  process.env.HILT_MODELS_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');

export const DEFAULT_FOLDER: Record<GeneratedKind, string> = {
  tiny: path.join(MODELS_DIR, 'tiny-dinov3'),
  vits16: path.join(MODELS_DIR, 'vits16-random'),
};

/** Mirrors onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX's config.json (HF DINOv3ViTConfig). */
function config(kind: GeneratedKind): Record<string, unknown> {
  const tiny = kind === 'tiny';
  return {
    _name_or_path: tiny ? 'hilt/tiny-dinov3' : 'hilt/vits16-random',
    architectures: ['DINOv3ViTModel'],
    model_type: 'dinov3_vit',
    hidden_size: tiny ? TINY_DIM : VITS16.dim,
    intermediate_size: tiny ? TINY_DIM * 4 : VITS16.mlp,
    num_hidden_layers: tiny ? 1 : VITS16.depth,
    num_attention_heads: tiny ? 1 : VITS16.heads,
    hidden_act: 'gelu',
    attention_dropout: 0.0,
    drop_path_rate: 0.0,
    initializer_range: 0.02,
    layer_norm_eps: 1e-5,
    layerscale_value: 1.0,
    rope_theta: 100.0,
    image_size: 224,
    patch_size: 16,
    num_channels: 3,
    num_register_tokens: 4,
    query_bias: true,
    key_bias: false,
    value_bias: true,
    proj_bias: true,
    mlp_bias: true,
    use_gated_mlp: false,
    pos_embed_shift: null,
    pos_embed_jitter: null,
    pos_embed_rescale: 2.0,
    torch_dtype: 'float32',
    transformers_version: '4.56.0',
    hilt: { generated: kind, generator_version: GENERATOR_VERSION, random_weights: true },
  };
}

/** DINOv3's processor: squash-resize to 224×224 (bilinear), rescale 1/255, ImageNet normalise, no crop. */
const PREPROCESSOR = {
  image_processor_type: 'DINOv3ViTImageProcessorFast',
  do_resize: true,
  size: { height: 224, width: 224 },
  resample: 2,
  do_center_crop: false,
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [0.485, 0.456, 0.406],
  image_std: [0.229, 0.224, 0.225],
  do_convert_rgb: true,
};

function writeAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export function isGeneratedFolderCurrent(dir: string, kind: GeneratedKind): boolean {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    return (
      cfg.hilt?.generated === kind &&
      cfg.hilt?.generator_version === GENERATOR_VERSION &&
      fs.existsSync(path.join(dir, 'onnx', 'model.onnx')) &&
      fs.existsSync(path.join(dir, 'preprocessor_config.json'))
    );
  } catch {
    return false;
  }
}

export interface MakeResult {
  dir: string;
  written: boolean;
  params: number;
  bytes: number;
}

export function makeBackboneFolder(opts: { kind?: GeneratedKind; out?: string; force?: boolean } = {}): MakeResult {
  const kind = opts.kind ?? 'tiny';
  const dir = path.resolve(opts.out ?? DEFAULT_FOLDER[kind]);
  const modelFile = path.join(dir, 'onnx', 'model.onnx');
  if (!opts.force && isGeneratedFolderCurrent(dir, kind)) {
    return { dir, written: false, params: -1, bytes: fs.statSync(modelFile).size };
  }
  const { bytes, params } = kind === 'tiny' ? buildTiny(TINY_DIM) : buildVit();
  // model first, config last: config.json is the "folder complete" marker checked above
  writeAtomic(modelFile, bytes);
  writeAtomic(path.join(dir, 'preprocessor_config.json'), JSON.stringify(PREPROCESSOR, null, 2) + '\n');
  writeAtomic(path.join(dir, 'config.json'), JSON.stringify(config(kind), null, 2) + '\n');
  return { dir, written: true, params, bytes: bytes.length };
}
