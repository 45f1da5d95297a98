// @vitest-environment node
// The tiny backbone through the real transformers.js path, device selection, offline failure, the registry
// (one entry per backbone; `hilt fetch-model` makes folders, loading only reads them; the cache key from the
// folder's config hash), and the embedding pipeline's per-item error handling.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoImageProcessor, AutoModel, env, RawImage, Tensor } from '@huggingface/transformers';
import { makeBackboneFolder } from '../trainer/onnx/make.ts';
import { varint } from '../trainer/onnx/proto.ts';
import { selectDevice } from '../trainer/backbones/device.ts';
import { BackboneLoadError, loadBackbone } from '../trainer/backbones/load.ts';
import { BACKBONES, fetchModel, resolveBackbone } from '../trainer/backbones/registry.ts';
import { configHash, hasModel } from '../trainer/backbones/folder.ts';
import { loopEmbedder } from '../trainer/embedder.ts';
import { createEmbedder, segmentationSize, type Embedder, type EmbedItemResult } from '../trainer/embed.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hilt-backbone-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A w×h RGB image: base colour, optional vertical stripes, optional noise (seeded). */
function image(w: number, h: number, rgb: number[], opts: { stripes?: number; noise?: number; seed?: number } = {}) {
  const px = Buffer.alloc(w * h * 3);
  let s = opts.seed ?? 1;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let v = rgb[c];
        if (opts.stripes && Math.floor(x / opts.stripes) % 2) v = 255 - v;
        v += (opts.noise ?? 0) * rnd();
        px[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } });
}

const dist = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));

describe('ONNX writer', () => {
  it('encodes varints like protobuf (incl. negative int64 as 10 bytes)', () => {
    expect([...varint(1n)]).toEqual([1]);
    expect([...varint(300n)]).toEqual([0xac, 0x02]);
    expect(varint(-1n).length).toBe(10);
  });

  it('generates the tiny backbone quickly, deterministically and idempotently', () => {
    const t0 = performance.now();
    const a = makeBackboneFolder({ kind: 'tiny', out: path.join(tmp, 'a'), force: true });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(a.written).toBe(true);
    expect(a.bytes).toBeLessThan(3e6);
    expect(makeBackboneFolder({ kind: 'tiny', out: path.join(tmp, 'a') }).written).toBe(false);
    makeBackboneFolder({ kind: 'tiny', out: path.join(tmp, 'b') });
    const read = (d: string) => fs.readFileSync(path.join(tmp, d, 'onnx', 'model.onnx'));
    expect(read('a').equals(read('b'))).toBe(true);
    const cfg = JSON.parse(fs.readFileSync(path.join(tmp, 'a', 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ model_type: 'dinov3_vit', patch_size: 16, num_register_tokens: 4, hidden_size: 64 });
  });
});

const TINY = resolveBackbone('tiny').dir;

describe('tiny backbone through transformers.js', () => {
  beforeAll(() => fetchModel('tiny'));

  it('AutoModel loads the local folder offline and matches DINOv3 output shapes for two sizes', async () => {
    env.allowRemoteModels = false;
    const model = await AutoModel.from_pretrained(TINY, { device: 'cpu', dtype: 'fp32' });
    expect(model.constructor.name).toBe('DINOv3ViTModel');
    for (const [B, H, W] of [
      [2, 224, 224],
      [1, 448, 320],
    ]) {
      const x = new Tensor(
        'float32',
        new Float32Array(B * 3 * H * W).map(() => Math.random() * 2 - 1),
        [B, 3, H, W],
      );
      const { last_hidden_state: lhs, pooler_output: pool } = await model({ pixel_values: x });
      expect(lhs.dims).toEqual([B, 1 + 4 + (H / 16) * (W / 16), 64]);
      expect(pool.dims).toEqual([B, 64]);
      // as in DINOv3, pooler_output is the (final) CLS token
      expect(Array.from(pool.data.slice(0, 64))).toEqual(Array.from(lhs.data.slice(0, 64)));
    }
    await model.dispose();
  });

  it("our sharp preprocessing reproduces the folder's image processor", async () => {
    const proc = await AutoImageProcessor.from_pretrained(TINY);
    expect(proc.constructor.name).toBe('DINOv3ViTImageProcessor');
    const px = Buffer.alloc(320 * 240 * 3);
    for (let i = 0; i < px.length; i++) px[i] = ((i / 3) % 320) * 0.7 + (i % 3) * 40; // smooth gradient
    const png = await sharp(px, { raw: { width: 320, height: 240, channels: 3 } })
      .png()
      .toBuffer();
    const ref = (await proc(await RawImage.fromBlob(new Blob([new Uint8Array(png)])))).pixel_values;
    const emb = await createEmbedder({ backbone: 'tiny', device: 'cpu' });
    const ours = await emb.prepare(png, 'pooled');
    expect(ref.dims).toEqual([1, 3, 224, 224]);
    const refData = ref.data as Float32Array;
    const mad = ours.data.reduce((s, v, i) => s + Math.abs(v - refData[i]), 0) / ours.data.length;
    expect(mad).toBeLessThan(0.05);
    await emb.dispose();
  });
});

describe('embedder', () => {
  let emb: Embedder;
  beforeAll(async () => {
    emb = await createEmbedder({ backbone: 'tiny', device: 'auto', offline: true });
  });
  afterAll(() => emb?.dispose());

  it('auto device reports what it got and why the others failed', async () => {
    const choice = await selectDevice('auto');
    expect(emb.info.device).toBe(choice.device);
    expect(choice.tried.at(-1)).toMatchObject({ device: choice.device, ok: true });
    for (const t of choice.tried.slice(0, -1)) expect(t.reason.length).toBeGreaterThan(5);
    if (choice.device === 'cpu') {
      // this CI machine: no GPU, so both GPU paths must say why
      expect(choice.tried.map((t) => t.device)).toEqual(['cuda', 'webgpu', 'cpu']);
      expect(emb.info.batchSize).toBe(8);
    }
    expect(emb.info.note).toMatch(/random-weight/);
  });

  it('pooled features separate different images more than near-identical ones', async () => {
    const enc = async (s: Sharp) =>
      (await emb.embedBatch([await emb.prepare(await s.png().toBuffer(), 'pooled')], 'pooled'))[0].pooled;
    const red1 = await enc(image(256, 256, [200, 40, 40], { noise: 8, seed: 1 }));
    const red2 = await enc(image(256, 256, [200, 40, 40], { noise: 8, seed: 2 }));
    const blue = await enc(image(256, 256, [40, 40, 200], { noise: 8, seed: 3 }));
    const redStripes = await enc(image(256, 256, [200, 40, 40], { noise: 8, seed: 4, stripes: 8 }));
    expect(red1.length).toBe(128);
    expect(dist(red1, blue)).toBeGreaterThan(5 * dist(red1, red2));
    expect(dist(red1, redStripes)).toBeGreaterThan(5 * dist(red1, red2));
  });

  it('embedPaths reports a corrupt or missing image per item and embeds the rest', async () => {
    const paths: string[] = [];
    for (let i = 0; i < 11; i++) {
      const p = path.join(tmp, `img${i}.jpg`);
      if (i === 3) fs.writeFileSync(p, 'not a jpeg at all');
      else if (i !== 7)
        await image(160 + 16 * (i % 3), 120, [i * 20, 100, 200 - i * 10])
          .jpeg()
          .toFile(p);
      paths.push(p);
    }
    for (const mode of ['pooled', 'grid'] as const) {
      const got: EmbedItemResult[] = [];
      const r = await emb.embedPaths(paths, mode, (x) => void got.push(x), { batchSize: 4 });
      expect(r).toEqual({ ok: 9, failed: 2 });
      expect(got.map((g) => g.index)).toEqual(paths.map((_, i) => i));
      expect(got.filter((g) => !g.ok).map((g) => g.index)).toEqual([3, 7]);
      const first = got[0];
      if (!first.ok) throw new Error(first.error);
      if (mode === 'grid') {
        // 160×120 → short side 448 → 592×448 → grid 37×28
        expect(first.embedding.grid).toMatchObject({ h: 28, w: 37 });
        expect(first.embedding.grid!.data.length).toBe(28 * 37 * 64);
      } else expect(first.embedding.pooled.length).toBe(128);
    }
  });

  it('segmentation sizes are multiples of 16 with the short side near 448', () => {
    expect(segmentationSize(640, 480, 448)).toEqual([592, 448]);
    expect(segmentationSize(100, 1000, 448)).toEqual([176, 1792]); // long side capped
  });
});

describe('hub backbones without internet', () => {
  // a machine that ran `hilt fetch-model` has a local copy: then there is nothing to fail
  const hasLocal = hasModel(resolveBackbone('dinov3-vits16').dir);

  it.skipIf(hasLocal)('loading dinov3-vits16 without its folder fails with a clear, typed error', async () => {
    const err = await loadBackbone({ backbone: 'dinov3-vits16', offline: true }).catch((e) => e);
    expect(err).toBeInstanceOf(BackboneLoadError);
    expect(err.kind).toBe('missing');
    expect(err.message).toMatch(
      /no model folder for dinov3-vits16 in .*onnx-community\/dinov3-vits16.*run `npx hilt fetch-model dinov3-vits16`.*Hugging Face hub.*--backbone mobilenetv2-imagenet/,
    );
  });

  it('fetch-model of a hub backbone offline says it cannot download, and names the command', async () => {
    const models = path.join(tmp, 'offline-models');
    const err = await fetchModel('dinov3-vits16', { modelsDir: models, offline: true }).catch((e) => e);
    expect(err).toBeInstanceOf(BackboneLoadError);
    expect(err.kind).toBe('offline');
    expect(err.message).toMatch(/cannot download onnx-community\/dinov3-vits16.*npx hilt fetch-model dinov3-vits16/);
    expect(fs.existsSync(models)).toBe(false);
  });

  it.skipIf(hasLocal)('fallbackToTiny runs on tiny and says so loudly', async () => {
    const e = await createEmbedder({ backbone: 'dinov3-vits16', offline: true, device: 'cpu', fallbackToTiny: true });
    expect(e.info.backbone).toBe('tiny');
    expect(e.info.note).toMatch(
      /^FALLBACK to the tiny random-weight backbone \(not DINOv3; for tests\): DINOv3 unavailable offline\. dinov3-vits16: no model folder for dinov3-vits16/,
    );
    await e.dispose();
  });

  it('unknown names are rejected with the list of known ones', async () => {
    const err = await loadBackbone({ backbone: 'no-such-model', offline: true }).catch((e) => e);
    expect(err.kind).toBe('unknown_backbone');
    expect(err.message).toMatch(/dinov3-vits16, dinov3-vitb16/);
  });
});

describe('registry: build a folder, load a folder', () => {
  it('one entry per backbone, each with its words, its folder and its fetch-model step', () => {
    expect(Object.keys(BACKBONES)).toEqual([
      'dinov3-vits16',
      'dinov3-vitb16',
      'dinov3-vitl16',
      'mobilenetv2-imagenet',
      'tiny',
      'vits16-random',
    ]);
    for (const [name, e] of Object.entries(BACKBONES)) {
      expect(e.description, name).toBeTruthy();
      expect(e.fetchNote, name).toMatch(/^it /);
      expect(typeof e.fetch, name).toBe('function');
      expect(resolveBackbone(name, '/m').dir, name).toBe(path.join('/m', ...e.folder.split('/')));
    }
    // a hub id is the entry's name too
    expect(resolveBackbone(BACKBONES['dinov3-vitb16'].hubId!).name).toBe('dinov3-vitb16');
  });

  it('loading never builds: a missing folder is an error naming `hilt fetch-model`, and nothing is written', async () => {
    const models = path.join(tmp, 'empty-models');
    const err = await loadBackbone({ backbone: 'tiny', modelsDir: models }).catch((e) => e);
    expect(err).toBeInstanceOf(BackboneLoadError);
    expect(err.kind).toBe('missing');
    expect(err.message).toMatch(/no model folder for tiny in .*tiny-dinov3: run `npx hilt fetch-model tiny` first/);
    expect(fs.existsSync(models)).toBe(false);
  });

  it('fetch-model builds the folder, keeps it when current, copies one --from a local folder; then it loads', async () => {
    const models = path.join(tmp, 'fetched-models');
    const a = await fetchModel('tiny', { modelsDir: models });
    expect(a).toMatchObject({ dir: path.join(models, 'tiny-dinov3'), written: true });
    expect(hasModel(a.dir)).toBe(true);
    expect((await fetchModel('tiny', { modelsDir: models })).written).toBe(false);
    const copied = await fetchModel('dinov3-vits16', { modelsDir: models, from: a.dir });
    expect(copied.dir).toBe(path.join(models, 'onnx-community', 'dinov3-vits16-pretrain-lvd1689m-ONNX'));
    const bb = await loadBackbone({ backbone: 'dinov3-vits16', modelsDir: models });
    try {
      expect(bb).toMatchObject({ name: 'dinov3-vits16', dir: copied.dir, dim: 64 });
    } finally {
      await bb.dispose();
    }
    const bad = await fetchModel('tiny', { modelsDir: models, from: path.join(tmp, 'nothing') }).catch((e) => e);
    expect(bad.message).toMatch(/is not a complete model folder/);
  });

  it("the feature cache key comes from the folder's config hash: a changed config is a new key", async () => {
    const dir = path.join(tmp, 'hashed');
    makeBackboneFolder({ kind: 'tiny', out: dir });
    const key = async () => {
      const e = await loopEmbedder({ backbone: dir, device: 'cpu' });
      await e.dispose?.();
      return e.info.key;
    };
    const h0 = configHash(dir);
    expect(h0).toMatch(/^[0-9a-f]{12}$/);
    expect(await key()).toBe(`${dir.replace(/[\\/]/g, '_')}-${h0}-r224-s448`);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, hilt: { ...cfg.hilt, rebuilt: 1 } }));
    expect(configHash(dir)).not.toBe(h0);
    expect(await key()).toBe(`${dir.replace(/[\\/]/g, '_')}-${configHash(dir)}-r224-s448`);
    // the preprocessing is part of it too
    const h1 = configHash(dir);
    fs.appendFileSync(path.join(dir, 'preprocessor_config.json'), ' ');
    expect(configHash(dir)).not.toBe(h1);
  });
});
