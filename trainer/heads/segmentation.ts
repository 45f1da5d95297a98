// Segmentation head: per-patch softmax regression on patch tokens (the logreg head, one row per
// labelled patch). Labels live at the patch grid; IGNORE marks patches that carry no usable label.
// Class convention: patch labels and points use class *indices* 0..C-1 (as logreg); masks store
// index + 1 per pixel so that 0 can mean "unlabelled" (masks are class-index images).
import { fitLogReg, predictProba, type LogRegModel, type LogRegOptions, type LogRegResult } from './logreg.ts';

export const IGNORE = -1;

export interface PatchGrid {
  imageWidth: number;
  imageHeight: number;
  gridWidth: number;
  gridHeight: number;
}
export interface LabelPoint {
  x: number;
  y: number;
  cls: number;
}

/** The patch containing pixel (x, y) of the original image. The grid covers the whole image (the
 *  backbone input is the image resized), so the mapping is proportional; edges clamp. */
export function pixelToPatch(x: number, y: number, g: PatchGrid): number {
  const px = Math.min(g.gridWidth - 1, Math.max(0, Math.floor((x / g.imageWidth) * g.gridWidth)));
  const py = Math.min(g.gridHeight - 1, Math.max(0, Math.floor((y / g.imageHeight) * g.gridHeight)));
  return py * g.gridWidth + px;
}

/** Majority vote per patch from per-class counts; IGNORE where nothing is labelled or the majority
 *  holds less than `minFraction` of the labelled votes (a patch straddling a boundary is unreliable). */
function vote(counts: Uint32Array, nPatches: number, K: number, minFraction: number): Int32Array {
  const out = new Int32Array(nPatches).fill(IGNORE);
  for (let p = 0; p < nPatches; p++) {
    let total = 0,
      best = -1,
      bestCount = 0;
    for (let k = 0; k < K; k++) {
      const v = counts[p * K + k];
      total += v;
      if (v > bestCount) {
        bestCount = v;
        best = k;
      }
    }
    if (total > 0 && bestCount >= minFraction * total) out[p] = best;
  }
  return out;
}

/** Points (image pixels, class index) → per-patch labels; conflicting points in one patch vote. */
export function pointsToPatchLabels(points: LabelPoint[], g: PatchGrid, minFraction = 0.6): Int32Array {
  const nP = g.gridWidth * g.gridHeight;
  let K = 0;
  for (const p of points) if (p.cls >= K) K = p.cls + 1;
  if (K === 0) return new Int32Array(nP).fill(IGNORE);
  const counts = new Uint32Array(nP * K);
  for (const p of points) if (p.cls >= 0) counts[pixelToPatch(p.x, p.y, g) * K + p.cls]++;
  return vote(counts, nP, K, minFraction);
}

/** A class mask (Uint8Array [imageHeight, imageWidth], value = class index + 1, 0 = unlabelled) →
 *  per-patch labels by majority over the patch's labelled pixels, IGNORE if mixed or unlabelled. */
export function maskToPatchLabels(mask: Uint8Array, g: PatchGrid, minFraction = 0.6): Int32Array {
  const { imageWidth: W, imageHeight: H, gridWidth: gw, gridHeight: gh } = g;
  if (mask.length < W * H) throw new Error(`maskToPatchLabels: mask has ${mask.length} pixels, expected ${W * H}`);
  let K = 0;
  for (let i = 0; i < W * H; i++) if (mask[i] > K) K = mask[i];
  const nP = gw * gh;
  if (K === 0) return new Int32Array(nP).fill(IGNORE);
  const counts = new Uint32Array(nP * K);
  const colPatch = new Int32Array(W);
  for (let x = 0; x < W; x++) colPatch[x] = Math.min(gw - 1, Math.floor((x * gw) / W));
  for (let y = 0; y < H; y++) {
    const rowBase = Math.min(gh - 1, Math.floor((y * gh) / H)) * gw;
    for (let x = 0; x < W; x++) {
      const v = mask[y * W + x];
      if (v !== 0) counts[(rowBase + colPatch[x]) * K + v - 1]++;
    }
  }
  return vote(counts, nP, K, minFraction);
}

export interface SegImage {
  features: Float32Array;
  labels: Int32Array;
} // features [h*w, d], labels [h*w]

/** The labelled patches of some images as rows: features [n, d] and class indices (IGNORE patches left out). */
export function patchRows(images: SegImage[], d: number): { X: Float32Array; y: Int32Array; n: number } {
  let n = 0;
  for (const im of images) for (let p = 0; p < im.labels.length; p++) if (im.labels[p] >= 0) n++;
  const X = new Float32Array(n * d),
    y = new Int32Array(n);
  let k = 0;
  for (const im of images) {
    for (let p = 0; p < im.labels.length; p++) {
      if (im.labels[p] < 0) continue;
      X.set(im.features.subarray(p * d, p * d + d), k * d);
      y[k++] = im.labels[p];
    }
  }
  return { X, y, n };
}

/** Fit on the labelled patches of all images (IGNORE patches are dropped before the fit). */
export function fitSegmentation(images: SegImage[], d: number, C: number, opts: LogRegOptions = {}): LogRegResult {
  const { X, y, n } = patchRows(images, d);
  return fitLogReg(X, y, n, d, C, opts);
}

/** Per-class probability map [C, h, w] quantised to 0..255 (for the browser to upsample), plus the
 *  mean per-patch uncertainty 1 - (top1 - top2). */
export function predictMap(
  model: LogRegModel,
  patchFeatures: Float32Array,
  h: number,
  w: number,
): { map: Uint8Array; uncertainty: number } {
  const n = h * w,
    C = model.C;
  const probs = predictProba(model, patchFeatures, n);
  const map = new Uint8Array(C * n);
  let unc = 0;
  for (let p = 0; p < n; p++) {
    let t1 = 0,
      t2 = 0;
    for (let c = 0; c < C; c++) {
      const v = probs[p * C + c];
      map[c * n + p] = Math.round(v * 255);
      if (v > t1) {
        t2 = t1;
        t1 = v;
      } else if (v > t2) t2 = v;
    }
    unc += 1 - (t1 - t2);
  }
  return { map, uncertainty: n > 0 ? unc / n : 0 };
}

/** Per-patch argmax of a quantised map (handy for metrics such as mIoU at patch resolution). */
export function argmaxMap(map: Uint8Array, C: number, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (map[c * n + p] > map[best * n + p]) best = c;
    out[p] = best;
  }
  return out;
}
