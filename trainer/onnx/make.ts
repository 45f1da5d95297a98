// Builds a transformers.js-loadable model folder (onnx/model.onnx + config.json +
// preprocessor_config.json) for the backbones we make ourselves: what `hilt fetch-model` runs for them
// (trainer/backbones/registry.ts), never the loader. Idempotent: an existing folder made by the same
// generator version is kept; writes go through a temp file + rename so concurrent test workers never see
// a half-written model.
import fs from 'node:fs';
import path from 'node:path';
import { buildTiny } from './tiny.ts';
import { squashPreprocessor } from './preprocessor.ts';
import { buildVit, VITS16 } from './vit.ts';
import {
  loadMobilenetKeras,
  mobilenetConfig,
  mobilenetOnnx,
  MOBILENET_PREPROCESSOR,
  MOBILENET_VERSION,
  npmCacheDir,
} from './mobilenet.ts';

/** Backbones we make ourselves: two random-weight graphs, and one converted from real pretrained weights. */
export type GeneratedKind = 'tiny' | 'vits16' | 'mobilenetv2';
const GENERATOR_VERSION = 1;
/** the version of the graph each generator writes (config hilt.generator_version) */
export const VERSION: Record<GeneratedKind, number> = {
  tiny: GENERATOR_VERSION,
  vits16: GENERATOR_VERSION,
  mobilenetv2: MOBILENET_VERSION,
};
/** Where the external-data tiny (the hub's DINOv3 file layout) is written by tests and `make-backbone`. */
export const EXTERNAL_DATA_FILE = 'model.onnx_data';
export const TINY_DIM = 64;

/** Mirrors onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX's config.json (HF DINOv3ViTConfig). */
function config(kind: 'tiny' | 'vits16', externalData = false): Record<string, unknown> {
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
    // the hub export keeps its weights in onnx/model.onnx_data and says so here, for transformers.js
    ...(externalData ? { 'transformers.js_config': { use_external_data_format: { 'model.onnx': 1 } } } : {}),
    hilt: { generated: kind, generator_version: GENERATOR_VERSION, random_weights: true },
  };
}

/** DINOv3's processor: squash-resize to 224×224 (bilinear), rescale 1/255, ImageNet normalise, no crop. */
const PREPROCESSOR = squashPreprocessor('DINOv3ViTImageProcessorFast', [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);

export function writeAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export function isGeneratedFolderCurrent(dir: string, kind: GeneratedKind): boolean {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const external = !!cfg['transformers.js_config']?.use_external_data_format;
    return (
      cfg.hilt?.generated === kind &&
      cfg.hilt?.generator_version === VERSION[kind] &&
      fs.existsSync(path.join(dir, 'onnx', 'model.onnx')) &&
      (!external || fs.existsSync(path.join(dir, 'onnx', EXTERNAL_DATA_FILE))) &&
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

export interface MakeOptions {
  kind?: GeneratedKind;
  /** the model folder to write */
  out: string;
  force?: boolean;
  /** tiny only: weights in onnx/model.onnx_data, as the hub's DINOv3 export stores them */
  externalData?: boolean;
  /** mobilenetv2 only: where the pinned npm tarball is cached (default .npm-packages beside the folder) */
  cacheDir?: string;
}

/** The random-weight backbones (synchronous: nothing to fetch). */
export function makeBackboneFolder(opts: MakeOptions): MakeResult {
  const kind = opts.kind ?? 'tiny';
  if (kind === 'mobilenetv2') throw new Error('mobilenetv2 is converted from an npm package: use buildBackboneFolder');
  const dir = path.resolve(opts.out);
  const modelFile = path.join(dir, 'onnx', 'model.onnx');
  if (!opts.force && isGeneratedFolderCurrent(dir, kind)) {
    return { dir, written: false, params: -1, bytes: fs.statSync(modelFile).size };
  }
  const external = kind === 'tiny' && !!opts.externalData;
  const built: { bytes: Uint8Array; params: number; data?: Uint8Array } =
    kind === 'tiny' ? buildTiny(TINY_DIM, 1234, external ? EXTERNAL_DATA_FILE : undefined) : buildVit();
  // model first, config last: config.json is the "folder complete" marker checked above
  if (built.data) writeAtomic(path.join(dir, 'onnx', EXTERNAL_DATA_FILE), built.data);
  writeAtomic(modelFile, built.bytes);
  writeAtomic(path.join(dir, 'preprocessor_config.json'), JSON.stringify(PREPROCESSOR, null, 2) + '\n');
  writeAtomic(path.join(dir, 'config.json'), JSON.stringify(config(kind, external), null, 2) + '\n');
  return { dir, written: true, params: built.params, bytes: built.bytes.length + (built.data?.length ?? 0) };
}

/** Any generated backbone, including the one converted from nsfwjs (which may need `npm pack`). */
export async function buildBackboneFolder(opts: MakeOptions): Promise<MakeResult> {
  const kind = opts.kind ?? 'tiny';
  if (kind !== 'mobilenetv2') return makeBackboneFolder(opts);
  const dir = path.resolve(opts.out);
  const modelFile = path.join(dir, 'onnx', 'model.onnx');
  if (!opts.force && isGeneratedFolderCurrent(dir, kind)) {
    return { dir, written: false, params: -1, bytes: fs.statSync(modelFile).size };
  }
  const keras = await loadMobilenetKeras(opts.cacheDir ?? npmCacheDir(path.dirname(dir)));
  const { bytes, params } = mobilenetOnnx(keras);
  writeAtomic(modelFile, bytes);
  writeAtomic(path.join(dir, 'preprocessor_config.json'), JSON.stringify(MOBILENET_PREPROCESSOR, null, 2) + '\n');
  writeAtomic(path.join(dir, 'config.json'), JSON.stringify(mobilenetConfig(), null, 2) + '\n');
  return { dir, written: true, params, bytes: bytes.length };
}
