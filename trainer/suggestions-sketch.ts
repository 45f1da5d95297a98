// Features for the suggestion geometry (k-center, k-means, typicality): standardised per column, then
// count-sketched to at most SKETCH_DIM dims (a fixed ±1 hashing of dimensions: it preserves squared
// distances in expectation at O(n·d) cost, where a dense random projection would cost O(n·d·m)).
import { columnStats } from './heads/standardise.ts';

export const SKETCH_DIM = 64;

/** A function sketching the given rows into a contiguous [rows.length, m] array, and m. */
export function sketcher(features: Float32Array, d: number, n = Math.floor(features.length / d)): { m: number; sketch(rows: number[]): Float64Array } {
  const m = Math.min(SKETCH_DIM, d);
  const { mean, std } = columnStats(features, null, d, n);
  const bucket = new Int32Array(d), sign = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let h = Math.imul(j + 1, 0x9e3779b1); h ^= h >>> 15; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13;
    bucket[j] = m === d ? j : (h >>> 1) % m; // no sketching when d is already small
    sign[j] = m === d || (h & 1) === 0 ? 1 / std[j] : -1 / std[j];
  }
  return {
    m,
    sketch(rows) {
      const Z = new Float64Array(rows.length * m);
      rows.forEach((i, q) => {
        const off = i * d, zo = q * m;
        for (let j = 0; j < d; j++) Z[zo + bucket[j]] += (features[off + j] - mean[j]) * sign[j];
      });
      return Z;
    },
  };
}

/** Every row sketched, [n, m]. */
export function sketchRows(features: Float32Array, d: number, n = Math.floor(features.length / d)): { Z: Float64Array; m: number } {
  const s = sketcher(features, d, n);
  return { Z: s.sketch(Array.from({ length: n }, (_, i) => i)), m: s.m };
}
