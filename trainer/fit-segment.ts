// Segmentation: patch labels from masks and points (train split), per-patch softmax head, quantised maps.
import sharp from 'sharp';
import type { ImageRef, SegmentationPrediction } from '../server/protocol.ts';
import type { LogRegModel } from './heads/logreg.ts';
import { fitSegmentation, IGNORE, maskToPatchLabels, pointsToPatchLabels, predictMap, type SegImage } from './heads/segmentation.ts';
import { isVal } from './split.ts';
import type { Trainer } from './trainer.ts';

export interface SegState { model: LogRegModel | null; classIds: number[]; labels: Map<number, { key: string; labels: Int32Array }>; loss?: number }

async function fetchMask(t: Trainer, id: number): Promise<Uint8Array | null> {
  const r = await fetch(`${t.io.httpBase}/api/images/${id}/mask`, { headers: t.io.httpHeaders });
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`mask of image ${id}: HTTP ${r.status}`);
  const { data } = await sharp(Buffer.from(await r.arrayBuffer())).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** Patch labels (class index, IGNORE elsewhere) of one annotated image, cached until its annotation changes. */
async function patchLabels(t: Trainer, img: ImageRef, gh: number, gw: number): Promise<Int32Array | null> {
  const a = t.ann.get(img.id);
  if (!a || a.kind !== 'mask') return null;
  const key = `${a.updatedAt}:${t.seg.classIds.join(',')}:${gh}x${gw}`;
  const hit = t.seg.labels.get(img.id);
  if (hit?.key === key) return hit.labels;
  const index = new Map(t.seg.classIds.map((id, i) => [id, i]));
  const grid = { imageWidth: img.width, imageHeight: img.height, gridWidth: gw, gridHeight: gh };
  const labels = new Int32Array(gh * gw).fill(IGNORE);
  if (a.hasMask) {
    const raw = await fetchMask(t, img.id);
    if (raw) {
      const lut = new Uint8Array(256); // class id → index + 1 (0 stays unlabelled)
      for (const [id, i] of index) lut[id] = i + 1;
      const m = new Uint8Array(raw.length);
      for (let k = 0; k < raw.length; k++) m[k] = lut[raw[k]];
      labels.set(maskToPatchLabels(m, grid));
    }
  }
  const pts = (a.points ?? []).filter((p) => index.has(p.classId)).map((p) => ({ x: p.x, y: p.y, cls: index.get(p.classId)! }));
  if (pts.length) {
    const pl = pointsToPatchLabels(pts, grid);
    for (let k = 0; k < pl.length; k++) if (pl[k] !== IGNORE && labels[k] === IGNORE) labels[k] = pl[k];
  }
  t.seg.labels.set(img.id, { key, labels });
  return labels;
}

export async function labelledImages(t: Trainer, split: 'train' | 'val'): Promise<(SegImage & { id: number })[]> {
  const out: (SegImage & { id: number })[] = [];
  for (const a of t.ann.values()) {
    if (a.kind !== 'mask' || isVal(a.imageId) !== (split === 'val')) continue;
    const img = t.images.get(a.imageId);
    const g = img && t.cache?.getGrid(img.sha256);
    if (!img || !g) continue;
    const labels = await patchLabels(t, img, g.h, g.w);
    if (labels && labels.some((v) => v !== IGNORE)) out.push({ id: img.id, features: g.data, labels });
  }
  return out;
}

export async function fitSegmentationHead(t: Trainer): Promise<string | null> {
  const classIds = t.classes.map((c) => c.id);
  const prev = t.seg;
  const extends_ = prev.model && prev.classIds.length <= classIds.length && prev.classIds.every((id, i) => classIds[i] === id);
  t.seg = { model: extends_ ? prev.model : null, classIds, labels: extends_ ? prev.labels : new Map() };
  const train = await labelledImages(t, 'train');
  const present = new Set<number>();
  for (const im of train) for (const v of im.labels) if (v !== IGNORE) present.add(v);
  if (present.size < 2) { t.seg.model = null; return null; }
  const d = train[0].features.length / train[0].labels.length;
  const r = fitSegmentation(train, d, classIds.length, { warm: extends_ ? prev.model : null, seed: 0 });
  t.seg.model = r.model; t.seg.loss = r.loss;
  return `${train.length} labelled images, ${present.size} classes seen, ${r.iterations} iterations, loss ${r.loss.toFixed(4)}`;
}

export function predictSegmentation(t: Trainer, imgs: ImageRef[]): SegmentationPrediction[] {
  if (!t.seg.model || !t.cache) return [];
  const out: SegmentationPrediction[] = [];
  for (const img of imgs) {
    const g = t.cache.getGrid(img.sha256);
    const p = g && predictSegmentationGrid(t, img.id, g);
    if (p) out.push(p);
  }
  return out;
}

/** One patch grid (cached or uploaded) → a quantised per-class map at grid resolution. */
export function predictSegmentationGrid(t: Trainer, id: number, g: { data: Float32Array; h: number; w: number; d?: number }): SegmentationPrediction | null {
  const model = t.seg.model;
  const d = g.d ?? g.data.length / (g.h * g.w);
  if (!model || d !== model.d) return null;
  const { map, uncertainty } = predictMap(model, g.data, g.h, g.w);
  const n = g.h * g.w, C = model.C;
  const votes = new Array(C).fill(0);
  for (let p = 0; p < n; p++) { let b = 0; for (let c = 1; c < C; c++) if (map[c * n + p] > map[b * n + p]) b = c; votes[b]++; }
  const top = votes.indexOf(Math.max(...votes));
  return { imageId: id, classId: t.seg.classIds[top] ?? null, classIds: t.seg.classIds.slice(0, C), width: g.w, height: g.h, map: Buffer.from(map).toString('base64'), uncertainty };
}
