// Image → features. Decoding/resizing is done by sharp (libvips, on the libuv thread pool) and
// overlaps with inference (onnxruntime's own threads) through a bounded prefetch queue, so the
// backbone never waits for JPEG decoding. sharp's antialiased 'linear' resize matches the
// reference DINOv3 processor (torchvision bilinear, antialias) better than transformers.js' affine.
import { Tensor } from '@huggingface/transformers';
import type { InferenceSession } from 'onnxruntime-node';
import {
  batchSizeFor,
  selectDevice,
  type DeviceAttempt,
  type DeviceName,
  type DeviceRequest,
} from './backbones/device.ts';
import { BackboneLoadError, loadBackbone, type LoadedBackbone } from './backbones/load.ts';
import { DEFAULT_BACKBONE, describeBackbone, fetchModel } from './backbones/registry.ts';
import { pixelTable, prepareCrop, preparePixels, type EmbedMode, type PreparedImage } from './preprocess.ts';

export { segmentationSize, type EmbedMode, type PreparedImage } from './preprocess.ts';

/** pooled = CLS ‖ mean(patch tokens) (2·dim), or pooler_output twice for a backbone that pools another map
 *  than its tokens (LoadedBackbone.pooled); grid = patch tokens [h, w, dim] (segmentation only). */
export interface Embedding {
  pooled: Float32Array;
  grid?: { h: number; w: number; data: Float32Array };
}
export type EmbedItemResult =
  | { index: number; path: string; ok: true; embedding: Embedding }
  | { index: number; path: string; ok: false; error: string };

export interface EmbedderInfo {
  backbone: string;
  device: DeviceName;
  note: string;
  dim: number;
  tried: DeviceAttempt[];
  /** length of Embedding.pooled */ pooledDim: number;
  /** hash of the model folder's configuration (part of the feature cache's key) */ configHash: string;
  batchSize: number;
  randomWeights: boolean;
  resolution: number;
  segShortSide: number;
}
export interface EmbedderOptions {
  backbone?: string;
  device?: DeviceRequest;
  offline?: boolean;
  /** Classification input side (default 224). */ resolution?: number;
  /** Segmentation short side, rounded to a multiple of 16 (default 448). */ segShortSide?: number;
  batchSize?: number;
  /** Passed to onnxruntime (e.g. intraOpNumThreads, `extra.session.intra_op.allow_spinning`). */
  sessionOptions?: InferenceSession.SessionOptions;
  /**
   * Backbones to try, in order, when the requested one cannot be loaded (say so in info.note), e.g.
   * ['mobilenetv2-imagenet', 'tiny']. `fallbackToTiny` is the old spelling of ['tiny'].
   */
  fallbacks?: string[];
  /** where registered backbones' folders are (default models/) */ modelsDir?: string;
  fallbackToTiny?: boolean;
  /**
   * Before loading a registered backbone (the one asked for, then each fallback) run its `hilt fetch-model`
   * step (registry.ts fetchModel): what the trainer's start does, so a first run builds or downloads what
   * it needs (with `offline`, no hub download). Without it a missing folder is the loader's error.
   */
  fetchMissing?: boolean;
}
export interface Embedder {
  info: EmbedderInfo;
  backbone: LoadedBackbone;
  prepare(src: string | Buffer, mode: EmbedMode): Promise<PreparedImage>;
  /** a square RGB crop [side, side, 3] as `pixel_values` at its own side (embedBatch it in 'pooled' mode) */
  prepareCrop(px: Uint8Array, side: number): PreparedImage;
  embedBatch(images: PreparedImage[], mode: EmbedMode): Promise<Embedding[]>;
  embedPaths(
    paths: string[],
    mode: EmbedMode,
    onResult: (r: EmbedItemResult) => void | Promise<void>,
    opts?: { batchSize?: number; prefetchBatches?: number },
  ): Promise<{ ok: number; failed: number }>;
  dispose(): Promise<void>;
}

async function createBackbone(o: EmbedderOptions) {
  const choice = await selectDevice(o.device ?? 'auto');
  const tried = [...choice.tried];
  const load = async (backbone: string, device: DeviceName) => {
    if (o.fetchMissing) await fetchModel(backbone, { modelsDir: o.modelsDir, offline: o.offline });
    return loadBackbone({ backbone, device, sessionOptions: o.sessionOptions, modelsDir: o.modelsDir });
  };
  const name = o.backbone ?? DEFAULT_BACKBONE;
  let device = choice.device;
  let note = '';
  let bb: LoadedBackbone;
  try {
    bb = await load(name, device).catch(async (e) => {
      // a GPU EP can reject a graph it cannot place; CPU always works
      if (
        device === 'cpu' ||
        (o.device ?? 'auto') !== 'auto' ||
        !(e instanceof BackboneLoadError) ||
        e.kind !== 'load_failed'
      )
        throw e;
      tried.push({ device, ok: false, reason: `loading ${name} failed: ${e.message}` });
      device = 'cpu';
      tried.push({ device, ok: true, reason: 'fallback after the GPU load failure' });
      return load(name, device);
    });
  } catch (e) {
    const fallbacks = (o.fallbacks ?? (o.fallbackToTiny ? ['tiny'] : [])).filter((f) => f !== name);
    if (!fallbacks.length || !(e instanceof BackboneLoadError)) throw e;
    const reasons = [`${name}: ${e.message}`];
    let got: LoadedBackbone | null = null;
    for (const f of fallbacks) {
      try {
        got = await load(f, device);
        break;
      } catch (e2) {
        if (!(e2 instanceof BackboneLoadError)) throw e2;
        reasons.push(`${f}: ${e2.message}`);
      }
    }
    // nothing loaded: one error that keeps every reason (the first names the fix for the one asked for)
    if (!got) throw new BackboneLoadError(e.kind, name, reasons.join(' · '), e);
    bb = got;
    // the UI shows the start of the note in its header: lead with what is running, then why
    const what = name.startsWith('dinov3') ? 'DINOv3 unavailable offline' : `${name} unavailable`;
    note = bb.randomWeights
      ? `FALLBACK to the ${describeBackbone(bb.name)}: ${what}. ${reasons.join(' · ')}`
      : `${what}: running ${describeBackbone(bb.name)}. ${reasons.join(' · ')}`;
  }
  if (!note && bb.randomWeights) note = `${describeBackbone(bb.name)}: random weights, for tests/demo/bench only`;
  if (!note) note = `${describeBackbone(bb.name)} on ${device}`;
  return { bb, device, tried, note };
}

export async function createEmbedder(o: EmbedderOptions = {}): Promise<Embedder> {
  const { bb, device, tried, note } = await createBackbone(o);
  const resolution = o.resolution ?? bb.preprocess.size.height;
  const segShortSide = o.segShortSide ?? 448;
  if (resolution % bb.patchSize) throw new Error(`resolution ${resolution} must be a multiple of ${bb.patchSize}`);
  const batchSize = o.batchSize ?? batchSizeFor(device);
  const lut = pixelTable(bb.preprocess);

  const spec = { ...bb.preprocess, patchSize: bb.patchSize, resolution, segShortSide };
  const prepare = (src: string | Buffer, mode: EmbedMode) => preparePixels(src, mode, spec, lut);

  async function runSameShape(imgs: PreparedImage[], mode: EmbedMode): Promise<Embedding[]> {
    const { height: H, width: W } = imgs[0];
    const B = imgs.length,
      per = 3 * H * W;
    const x = new Float32Array(B * per);
    imgs.forEach((im, b) => x.set(im.data, b * per));
    const out = await bb.model({ pixel_values: new Tensor('float32', x, [B, 3, H, W]) });
    const lhs = out.last_hidden_state.data as Float32Array;
    const D = bb.dim,
      gh = H / bb.patchSize,
      gw = W / bb.patchSize,
      N = gh * gw,
      T = 1 + bb.numRegisters + N;
    const pooler = bb.pooled.from === 'pooler_output' ? (out.pooler_output.data as Float32Array) : null;
    return imgs.map((_, b) => {
      const base = b * T * D,
        first = base + (1 + bb.numRegisters) * D;
      let pooled: Float32Array;
      if (pooler) {
        // the pooled map's global average, twice: the same layout as a ViT's token 0 ‖ mean patch (MobileNetV2
        // v3 pools its token map itself, so this is exactly that)
        const P = bb.pooled.dim / 2;
        pooled = new Float32Array(2 * P);
        pooled.set(pooler.subarray(b * P, (b + 1) * P), 0);
        pooled.set(pooler.subarray(b * P, (b + 1) * P), P);
      } else {
        pooled = new Float32Array(2 * D);
        pooled.set(lhs.subarray(base, base + D), 0);
        for (let p = 0; p < N; p++) for (let d = 0; d < D; d++) pooled[D + d] += lhs[first + p * D + d];
        for (let d = 0; d < D; d++) pooled[D + d] /= N;
      }
      const e: Embedding = { pooled };
      if (mode === 'grid') e.grid = { h: gh, w: gw, data: lhs.slice(first, first + N * D) };
      return e;
    });
  }

  async function embedBatch(imgs: PreparedImage[], mode: EmbedMode): Promise<Embedding[]> {
    // images of different sizes (segmentation) cannot share a tensor: run one group per shape
    const groups = new Map<string, number[]>();
    imgs.forEach((im, i) => {
      const k = `${im.height}x${im.width}`;
      groups.set(k, [...(groups.get(k) ?? []), i]);
    });
    const res: Embedding[] = new Array(imgs.length);
    for (const idx of groups.values()) {
      const embs = await runSameShape(
        idx.map((i) => imgs[i]),
        mode,
      );
      idx.forEach((i, j) => (res[i] = embs[j]));
    }
    return res;
  }

  async function embedPaths(
    paths: string[],
    mode: EmbedMode,
    onResult: (r: EmbedItemResult) => void | Promise<void>,
    opts: { batchSize?: number; prefetchBatches?: number } = {},
  ) {
    const bs = opts.batchSize ?? batchSize;
    // grid images (segmentation) are ~5× larger in memory, so look one batch ahead instead of two
    const ahead = bs * (1 + (opts.prefetchBatches ?? (mode === 'grid' ? 1 : 2)));
    const pending: (Promise<PreparedImage | Error> | undefined)[] = new Array(paths.length);
    let launched = 0,
      ok = 0,
      failed = 0;
    let callbacks: Promise<void> = Promise.resolve();
    const err = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
    for (let start = 0; start < paths.length; start += bs) {
      // keep `ahead` images decoding in the background while this batch runs
      for (; launched < Math.min(paths.length, start + ahead); launched++) {
        pending[launched] = prepare(paths[launched], mode).catch(err);
      }
      const idx = Array.from({ length: Math.min(bs, paths.length - start) }, (_, k) => start + k);
      const items = await Promise.all(idx.map((i) => pending[i]!));
      idx.forEach((i) => (pending[i] = undefined));
      const results: EmbedItemResult[] = [];
      const good = idx.filter((_, k) => !(items[k] instanceof Error));
      idx.forEach((i, k) => {
        const it = items[k];
        if (it instanceof Error)
          results.push({ index: i, path: paths[i], ok: false, error: `cannot decode: ${it.message}` });
      });
      if (good.length) {
        try {
          const embs = await embedBatch(
            good.map((i) => items[i - start] as PreparedImage),
            mode,
          );
          good.forEach((i, j) => results.push({ index: i, path: paths[i], ok: true, embedding: embs[j] }));
        } catch (e) {
          good.forEach((i) =>
            results.push({ index: i, path: paths[i], ok: false, error: `inference failed: ${err(e).message}` }),
          );
        }
      }
      for (const r of results) r.ok ? ok++ : failed++;
      // callbacks (e.g. cache writes) run while the next batch is already being embedded
      await callbacks;
      callbacks = (async () => {
        for (const r of results.sort((a, b) => a.index - b.index)) await onResult(r);
      })();
    }
    await callbacks;
    return { ok, failed };
  }

  return {
    info: {
      backbone: bb.name,
      device,
      note,
      dim: bb.dim,
      pooledDim: bb.pooled.dim,
      configHash: bb.configHash,
      tried,
      batchSize,
      randomWeights: bb.randomWeights,
      resolution,
      segShortSide,
    },
    backbone: bb,
    prepare,
    prepareCrop: (px: Uint8Array, side: number) => prepareCrop(px, side, lut),
    embedBatch,
    embedPaths,
    dispose: () => bb.dispose(),
  };
}
