// Suggestion lists published after each refit (DESIGN §6): which unlabelled image to show next.
// Every list holds image ids, best first, at most `limit` long. Lists needing predictions are empty
// while there is no model (probs null); `diverse` only needs features.
import { columnStats } from './heads/standardise.ts';

export interface SuggestionInput {
  ids: ArrayLike<number>; // image id of row i in probs / features
  probs: Float32Array | null; // [n, C] predicted probabilities, columns in classIds order
  C: number;
  classIds: ArrayLike<number>; // class id of each probability column
  features: Float32Array | null; // [n, d] pooled features (standardised here)
  d: number;
  labelledIds: Iterable<number>;
  labelCounts: ArrayLike<number>; // labels per class, classIds order
  limit?: number; // default 200
  /** per-row uncertainty, higher = less sure (a task's own measure, e.g. segmentation's mean patch margin) */
  uncertainty?: ArrayLike<number>;
  /** [n, C] how likely each image is to *contain* each class (segmentation: its strongest patches), where
   *  `probs` says what the image *is*; `class` and `minority` rank by it when given */
  presence?: Float32Array;
}

/** What every producer gets: the rows split into labelled and unlabelled, and helpers to rank them. */
interface Scored {
  inp: SuggestionInput; n: number; limit: number; unl: number[]; lab: number[];
  /** top class and top-1 − top-2 margin per unlabelled row (probs only) */
  top: Int32Array; margin: Float64Array;
  toIds(rows: number[]): number[];
  rank(rows: number[], key: (i: number) => number): number[];
}
type Producer = (s: Scored) => Record<string, number[]>;

/**
 * The trainer's suggestion producers, keyed by the server's strategy names (server/strategies.ts): each
 * returns its ranked list(s) of unlabelled image ids. A model-based strategy on the server reads the list
 * its producer published; tests/strategies.test.ts checks that every such strategy has a producer here.
 */
export const PRODUCERS: Record<string, Producer> = {
  // lowest top-1 − top-2 margin first (or the task's own per-image uncertainty, highest first)
  uncertain: (s) => {
    const u = s.inp.uncertainty;
    if (u) return { uncertain: s.toIds(s.rank(s.unl, (i) => -u[i])) };
    return { uncertain: s.inp.probs ? s.toIds(s.rank(s.unl, (i) => s.margin[i])) : [] };
  },
  diverse: (s) => {
    const { features, d } = s.inp;
    return { diverse: features && d > 0 ? kCenter(features, d, s.unl, s.lab, Math.min(s.limit, s.unl.length)).map((i) => s.inp.ids[i]) : [] };
  },
  // most likely to be (or, with presence, to contain) class X first; one list per class, `class:<classId>`
  class: (s) => {
    const { C, classIds } = s.inp, score = s.inp.presence ?? s.inp.probs;
    const out: Record<string, number[]> = {};
    for (let c = 0; c < C; c++) out[`class:${classIds[c]}`] = score ? s.toIds(s.rank(s.unl, (i) => -score[i * C + c])) : [];
    return out;
  },
  // Minority frontier, after the origin project: the class with the fewest labels (among classes that
  // have any: an unlabelled class has no meaningful probabilities); first the unlabelled images
  // predicted as that class, least confident first (origin: lowest probability among those predicted
  // minority), then the others, those whose minority probability is closest to their top class first
  // (they would flip to the minority class soonest). Both halves: small |p_min - best other| first.
  minority: (s) => {
    const { probs, C, labelCounts, presence } = s.inp;
    if (!probs) return { minority: [] };
    let mc = -1;
    for (let c = 0; c < C; c++) if (labelCounts[c] > 0 && (mc < 0 || labelCounts[c] < labelCounts[mc])) mc = c;
    if (mc < 0) return { minority: [] };
    // an image mostly of another class may still hold the rare one (segmentation): most likely to contain it first
    if (presence) return { minority: s.toIds(s.rank(s.unl, (i) => -presence[i * C + mc])) };
    const gap = (i: number) => {
      let other = 0;
      for (let c = 0; c < C; c++) if (c !== mc && probs[i * C + c] > other) other = probs[i * C + c];
      return Math.abs(probs[i * C + mc] - other);
    };
    const predicted = s.unl.filter((i) => s.top[i] === mc), rest = s.unl.filter((i) => s.top[i] !== mc);
    return { minority: s.toIds([...s.rank(predicted, gap), ...s.rank(rest, gap)]) };
  },
};

/** Every producer's lists: `uncertain`, `diverse`, `minority`, and `class:<classId>` for each class. */
export function computeSuggestions(inp: SuggestionInput): Record<string, number[]> {
  const { ids, probs, C, features, d } = inp;
  const limit = inp.limit ?? 200, n = ids.length;
  if (probs && probs.length < n * C) throw new Error(`computeSuggestions: probs has ${probs.length} values, expected ${n}×${C}`);
  if (features && features.length < n * d) throw new Error(`computeSuggestions: features has ${features.length} values, expected ${n}×${d}`);
  const labelled = new Set(inp.labelledIds);
  const unl: number[] = [], lab: number[] = [];
  for (let i = 0; i < n; i++) (labelled.has(ids[i]) ? lab : unl).push(i);
  const top = new Int32Array(n), margin = new Float64Array(n);
  if (probs) {
    for (const i of unl) {
      let t1 = -1, t2 = -1, b = 0;
      for (let c = 0; c < C; c++) {
        const v = probs[i * C + c];
        if (v > t1) { t2 = t1; t1 = v; b = c; } else if (v > t2) t2 = v;
      }
      top[i] = b; margin[i] = C > 1 ? t1 - t2 : 1;
    }
  }
  const s: Scored = {
    inp, n, limit, unl, lab, top, margin,
    toIds: (rows) => rows.slice(0, limit).map((i) => ids[i]),
    // sort by key ascending; ties keep row order, so lists are deterministic
    rank: (rows, key) => {
      const k = new Float64Array(n);
      for (const i of rows) k[i] = key(i);
      return rows.slice().sort((a, b) => k[a] - k[b] || a - b);
    },
  };
  const out: Record<string, number[]> = {};
  for (const produce of Object.values(PRODUCERS)) Object.assign(out, produce(s));
  return out;
}

export const SKETCH_DIM = 64;
export const MAX_SEEDS = 256;

/** Greedy k-center (farthest-first) over the unlabelled rows, seeded by the labelled ones.
 *  Features are standardised and count-sketched to SKETCH_DIM dims first (a fixed ±1 hashing of
 *  dimensions: preserves squared distances in expectation at O(n·d) cost, where a dense random
 *  projection would cost O(n·d·m)). Seeds are at most MAX_SEEDS labelled rows, evenly spaced.
 *  Cost for n rows, u unlabelled, d dims, m = SKETCH_DIM, s seeds, k picks:
 *  O(n·d + u·s·m + k·u·m) — 10k × 768-d, s = 256, k = 200: ~8M + 164M + 128M multiply-adds (~0.3 s). */
export function kCenter(features: Float32Array, d: number, unl: number[], lab: number[], k: number): number[] {
  const m = Math.min(SKETCH_DIM, d), n = Math.floor(features.length / d);
  const { mean, std } = columnStats(features, null, d, n);
  const bucket = new Int32Array(d), sign = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let h = Math.imul(j + 1, 0x9e3779b1); h ^= h >>> 15; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13;
    bucket[j] = m === d ? j : (h >>> 1) % m; // no sketching when d is already small
    sign[j] = m === d || (h & 1) === 0 ? 1 / std[j] : -1 / std[j];
  }
  const seeds = pickSeeds(lab);
  // Sketches of the candidates (contiguous, scanned once per pick) and of the seeds.
  const sketch = (rows: number[]) => {
    const Z = new Float64Array(rows.length * m);
    rows.forEach((i, q) => {
      const off = i * d, zo = q * m;
      for (let j = 0; j < d; j++) Z[zo + bucket[j]] += (features[off + j] - mean[j]) * sign[j];
    });
    return Z;
  };
  const Zu = sketch(unl), Zs = sketch(seeds);
  const u = unl.length, minD = new Float64Array(u).fill(Infinity);
  // Lower minD by the distances to centre `co` of Zc. A partial sum already above minD[q] cannot
  // lower it, so the scan stops early: most candidates are far from a new (far-away) centre.
  const relax = (Zc: Float64Array, co: number) => {
    for (let q = 0; q < u; q++) {
      const cur = minD[q];
      if (cur <= 0) continue; // picked (-1) or a duplicate of a centre (0)
      const zo = q * m;
      let s = 0, t = 0;
      while (t < m) {
        const end = Math.min(m, t + 16);
        for (; t < end; t++) { const v = Zu[zo + t] - Zc[co + t]; s += v * v; }
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
      if (s < bestV) { bestV = s; next = q; }
    }
  }
  while (picked.length < k) {
    if (next < 0) {
      let bestV = -1;
      for (let q = 0; q < u; q++) if (minD[q] > bestV) { bestV = minD[q]; next = q; }
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
