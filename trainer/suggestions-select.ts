// The selection steps the suggestion lists are built from: greedy k-center over projected features (diversity),
// and the k smallest keys of a list without a full sort (every ranked list).
import { sketcher } from './suggestions-sketch.ts';

export { SKETCH_DIM } from './suggestions-sketch.ts';
export const MAX_SEEDS = 256;

/** Greedy k-center (farthest-first) over the unlabelled rows, seeded by the labelled ones, on projected
 *  features (suggestions-sketch.ts: top SKETCH_DIM principal components). Seeds are at most MAX_SEEDS
 *  labelled rows, evenly spaced. Cost for n rows, u unlabelled, d dims, m = SKETCH_DIM, s seeds, k picks:
 *  O(n·d·m the first time a row is seen, then cached by key + u·s·m + k·u·m) — 10k × 768-d, s = 256,
 *  k = 200: 490M multiply-adds on the first call, then ~164M + 128M (~0.3 s). */
export function kCenter(
  features: Float32Array,
  d: number,
  unl: number[],
  lab: number[],
  k: number,
  keys?: ArrayLike<number>,
): number[] {
  const { m, sketch } = sketcher(features, d, Math.floor(features.length / d), keys);
  const seeds = pickSeeds(lab);
  const Zu = sketch(unl),
    Zs = sketch(seeds);
  const u = unl.length,
    minD = new Float64Array(u).fill(Infinity);
  // Lower minD by the distances to centre `co` of Zc. A partial sum already above minD[q] cannot
  // lower it, so the scan stops early: most candidates are far from a new (far-away) centre.
  const relax = (Zc: Float64Array, co: number) => {
    for (let q = 0; q < u; q++) {
      const cur = minD[q];
      if (cur <= 0) continue; // picked (-1) or a duplicate of a centre (0)
      const zo = q * m;
      let s = 0,
        t = 0;
      while (t < m) {
        const end = Math.min(m, t + 16);
        for (; t < end; t++) {
          const v = Zu[zo + t] - Zc[co + t];
          s += v * v;
        }
        if (s >= cur) break;
      }
      if (s < cur) minD[q] = s;
    }
  };
  for (let k0 = 0; k0 < seeds.length; k0++) relax(Zs, k0 * m);
  const picked: number[] = [];
  if (k <= 0 || u === 0) return picked;
  let next = -1;
  if (seeds.length === 0) {
    // No labels yet: start from the most typical image (nearest the mean), then go farthest-first.
    let bestV = Infinity;
    for (let q = 0; q < u; q++) {
      let s = 0;
      for (let t = 0; t < m; t++) s += Zu[q * m + t] * Zu[q * m + t];
      if (s < bestV) {
        bestV = s;
        next = q;
      }
    }
  }
  while (picked.length < k) {
    if (next < 0) {
      let bestV = -1;
      for (let q = 0; q < u; q++)
        if (minD[q] > bestV) {
          bestV = minD[q];
          next = q;
        }
      if (next < 0) break;
    }
    picked.push(unl[next]);
    minD[next] = -1; // taken
    relax(Zu, next * m);
    next = -1;
  }
  return picked;
}

function pickSeeds(lab: number[]): number[] {
  if (lab.length <= MAX_SEEDS) return lab;
  const out: number[] = [];
  for (let t = 0; t < MAX_SEEDS; t++) out.push(lab[Math.floor((t * lab.length) / MAX_SEEDS)]);
  return out;
}

/** The k rows with the smallest key (ties: smaller row first), sorted: a max-heap of k, O(n log k). At 1M
 *  rows and a dozen lists this is what keeps publishing suggestions to a fraction of a second. */
export function smallest(rows: number[], key: (i: number) => number, k: number): number[] {
  if (k <= 0) return [];
  const hk = new Float64Array(k),
    hr = new Int32Array(k);
  let size = 0;
  // a above b in the max-heap: larger key, or same key and larger row
  const above = (ka: number, ra: number, kb: number, rb: number) => ka > kb || (ka === kb && ra > rb);
  for (const r of rows) {
    const v = key(r);
    if (size < k) {
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!above(v, r, hk[p], hr[p])) break;
        hk[c] = hk[p];
        hr[c] = hr[p];
        c = p;
      }
      hk[c] = v;
      hr[c] = r;
    } else if (above(hk[0], hr[0], v, r)) {
      let c = 0;
      for (;;) {
        const l = 2 * c + 1,
          rr = l + 1;
        let m = -1;
        if (l < size && above(hk[l], hr[l], v, r)) m = l;
        if (rr < size && above(hk[rr], hr[rr], m < 0 ? v : hk[l], m < 0 ? r : hr[l])) m = rr;
        if (m < 0) break;
        hk[c] = hk[m];
        hr[c] = hr[m];
        c = m;
      }
      hk[c] = v;
      hr[c] = r;
    }
  }
  const out = Array.from(hr.subarray(0, size));
  const kv = new Map(out.map((r, i) => [r, hk[i]]));
  return out.sort((a, b) => kv.get(a)! - kv.get(b)! || a - b);
}
