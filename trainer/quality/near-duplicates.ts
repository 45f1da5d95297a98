// Near-identical labelled images that carry different labels: one of each pair is probably wrong. The
// cosine is taken on centred features (minus the labelled set's mean): raw backbone features of unrelated
// pictures already share a large common direction, centring removes it. All pairs are compared on a
// 64-dim count sketch first (n²/2 × 64 multiply-adds, in slices) and confirmed on the full vectors.
import { columnStats } from '../heads/standardise.ts';
import { Cancelled, type Slicer } from './slices.ts';

/** cosine of centred features above which two images count as near-identical. Measured on MobileNetV2
 *  features of 60 demo pictures (noise-textured backgrounds, the hard case): JPEG re-encodes (q70) of a
 *  picture score 0.92–0.97 against it, 80 %-resized copies 0.85–0.95, distinct pictures at most 0.83. */
export const DUPLICATE_COSINE = 0.9;
/** pairs are looked for among at most this many labelled images (the most recently labelled) */
export const MAX_DUPLICATE_ROWS = 4000;
const SKETCH = 64, SLACK = 0.1;

export interface DuplicatePair { a: number; b: number; cosine: number }

/** Pairs (by row index, a < b) with different labels and cosine ≥ threshold, highest first, at most `max`. */
export async function nearDuplicates(X: Float32Array, n: number, d: number, labels: ArrayLike<number>, slicer: Slicer, alive: () => boolean,
  threshold = DUPLICATE_COSINE, max = 50): Promise<DuplicatePair[]> {
  if (n < 2 || d === 0) return [];
  const { mean } = columnStats(X, null, d, n);
  // unit-length centred rows, and their unit-length sketches
  const Z = new Float32Array(n * d), S = new Float32Array(n * SKETCH);
  const m = Math.min(SKETCH, d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) { const v = X[i * d + j] - mean[j]; Z[i * d + j] = v; norm += v * v; }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    let sn = 0;
    for (let j = 0; j < d; j++) {
      const v = Z[i * d + j] * inv;
      Z[i * d + j] = v;
      let h = Math.imul(j + 1, 0x9e3779b1); h ^= h >>> 15; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13;
      S[i * SKETCH + (m === d ? j : (h >>> 1) % m)] += (h & 1) === 0 || m === d ? v : -v;
    }
    for (let t = 0; t < m; t++) sn += S[i * SKETCH + t] ** 2;
    const sInv = sn > 0 ? 1 / Math.sqrt(sn) : 0;
    for (let t = 0; t < m; t++) S[i * SKETCH + t] *= sInv;
  }
  const out: DuplicatePair[] = [];
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      if (labels[a] === labels[b]) continue;
      let s = 0;
      for (let t = 0; t < m; t++) s += S[a * SKETCH + t] * S[b * SKETCH + t];
      if (s < threshold - SLACK) continue;
      let c = 0;
      for (let j = 0; j < d; j++) c += Z[a * d + j] * Z[b * d + j];
      if (c >= threshold) out.push({ a, b, cosine: c });
    }
    if (slicer.spent()) { await slicer.pause(); if (!alive()) throw new Cancelled(); }
  }
  return out.sort((x, y) => y.cosine - x.cosine || x.a - y.a || x.b - y.b).slice(0, max);
}
