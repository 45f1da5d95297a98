// Picking images on purpose with frozen features:
//  - k-means clusters of the pool (features standardised and projected on their top principal components,
//    suggestions-sketch.ts, as in kCenter);
//  - typicality (TypiClust, ICML 2022): the inverse mean distance to an image's nearest neighbours in its
//    cluster — the typical member of a cluster, not an outlier, is what a first label should go to;
//  - cold start: the most typical image of every cluster that holds no label yet, biggest cluster first;
//  - coverage: after that, the most typical image of the cluster with the most images per label;
//  - cluster-margin (Citovsky et al. 2021): the most uncertain images taken round-robin across clusters,
//    so a batch of suggestions does not pile up on one confusion.
// Deterministic for a seed.
import { mulberry32 } from './rng.ts';
import { sketchRows } from './suggestions-sketch.ts';

export interface Clusters {
  k: number;
  assign: Int32Array;
  Z: Float64Array;
  m: number;
}

/** Lloyd's k-means with k-means++ seeding on the projected rows (n × m); returns assignment and centroids. */
export function kmeans(
  Z: Float64Array,
  n: number,
  m: number,
  k: number,
  seed = 1,
  iters = 12,
): { assign: Int32Array; C: Float64Array } {
  const rand = mulberry32(seed);
  k = Math.max(1, Math.min(k, n));
  const C = new Float64Array(k * m),
    assign = new Int32Array(n),
    best = new Float64Array(n).fill(Infinity);
  const dist = (i: number, c: number) => {
    let s = 0;
    for (let t = 0; t < m; t++) {
      const v = Z[i * m + t] - C[c * m + t];
      s += v * v;
    }
    return s;
  };
  let first = Math.floor(rand() * n);
  C.set(Z.subarray(first * m, first * m + m), 0);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      best[i] = Math.min(best[i], dist(i, c - 1));
      total += best[i];
    }
    let r = rand() * total;
    first = n - 1;
    for (let i = 0; i < n; i++) {
      r -= best[i];
      if (r <= 0) {
        first = i;
        break;
      }
    }
    C.set(Z.subarray(first * m, first * m + m), c * m);
  }
  for (let it = 0; it < iters; it++) {
    let moved = 0;
    for (let i = 0; i < n; i++) {
      let b = 0,
        bd = Infinity;
      for (let c = 0; c < k; c++) {
        const d = dist(i, c);
        if (d < bd) {
          bd = d;
          b = c;
        }
      }
      if (assign[i] !== b || it === 0) {
        moved++;
        assign[i] = b;
      }
    }
    if (!moved && it > 0) break;
    C.fill(0);
    const count = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      count[assign[i]]++;
      for (let t = 0; t < m; t++) C[assign[i] * m + t] += Z[i * m + t];
    }
    for (let c = 0; c < k; c++) if (count[c]) for (let t = 0; t < m; t++) C[c * m + t] /= count[c];
  }
  return { assign, C };
}

/** Nearest centroid of every row. */
function nearest(Z: Float64Array, n: number, m: number, C: Float64Array, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0,
      bd = Infinity;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let t = 0; t < m; t++) {
        const v = Z[i * m + t] - C[c * m + t];
        s += v * v;
      }
      if (s < bd) {
        bd = s;
        b = c;
      }
    }
    out[i] = b;
  }
  return out;
}

/** Typicality of the given rows: 1 / mean distance to their `nn` nearest neighbours among at most
 *  `cap` members of the same cluster (drawn evenly), so big pools stay O(rows · cap). */
export function typicality(
  Z: Float64Array,
  m: number,
  assign: Int32Array,
  k: number,
  rows: number[],
  nn = 20,
  cap = 500,
): Map<number, number> {
  const members: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < assign.length; i++) members[assign[i]].push(i);
  const refs = members.map((r) =>
    r.length <= cap ? r : Array.from({ length: cap }, (_, j) => r[Math.floor((j * r.length) / cap)]),
  );
  const out = new Map<number, number>();
  for (const i of rows) {
    const d: number[] = [];
    for (const j of refs[assign[i]]) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < m; t++) {
        const v = Z[i * m + t] - Z[j * m + t];
        s += v * v;
      }
      d.push(Math.sqrt(s));
    }
    d.sort((a, b) => a - b);
    const q = d.slice(0, nn);
    out.set(i, q.length ? 1 / (1e-9 + q.reduce((a, b) => a + b, 0) / q.length) : 0);
  }
  return out;
}

const FIT_ROWS = 4000;

/** the most clusters the pool is cut into (the cold start's longest reach, in labels) */
export const MAX_CLUSTERS = 50;

/** Clusters of the pool: k grows with the class count (two modes per class), bounded for speed. `keys`:
 *  a stable id per row (image ids), so rows projected by an earlier call are reused (suggestions-sketch.ts). */
export function clusterPool(
  features: Float32Array,
  d: number,
  n: number,
  classCount: number,
  o: { seed?: number; keys?: ArrayLike<number>; maxK?: number } = {},
): Clusters {
  const seed = o.seed ?? 1;
  const k = Math.max(4, Math.min(o.maxK ?? MAX_CLUSTERS, 2 * Math.max(2, classCount), n));
  const { Z, m } = sketchRows(features, d, n, o.keys);
  if (n <= FIT_ROWS) return { k, assign: kmeans(Z, n, m, k, seed).assign, Z, m };
  // big pools: fit the centroids on an even sample, then one assignment pass over every row
  const sample = Array.from({ length: FIT_ROWS }, (_, j) => Math.floor((j * n) / FIT_ROWS));
  const Zs = new Float64Array(FIT_ROWS * m);
  sample.forEach((i, q) => Zs.set(Z.subarray(i * m, i * m + m), q * m));
  const { C } = kmeans(Zs, FIT_ROWS, m, k, seed);
  return { k, assign: nearest(Z, n, m, C, k), Z, m };
}

/**
 * Cold start: rows to label first — round-robin over the clusters that hold no labelled row (largest
 * first), most typical unlabelled member first. Empty once every cluster is covered: that is the hand-over
 * to uncertainty (the head has then seen each mode of the data at least once).
 */
export function coldStart(cl: Clusters, unl: number[], lab: number[], limit: number): number[] {
  const covered = new Set(lab.map((i) => cl.assign[i]));
  if (covered.size >= cl.k) return [];
  const byCluster = new Map<number, number[]>();
  for (const i of unl)
    if (!covered.has(cl.assign[i]))
      (byCluster.get(cl.assign[i]) ?? byCluster.set(cl.assign[i], []).get(cl.assign[i])!).push(i);
  // typicality of at most CANDIDATES members per cluster (evenly drawn): only the top few are ever asked for
  const cand = [...byCluster.values()].map((q) =>
    q.length <= CANDIDATES
      ? q
      : Array.from({ length: CANDIDATES }, (_, j) => q[Math.floor((j * q.length) / CANDIDATES)]),
  );
  const typ = typicality(cl.Z, cl.m, cl.assign, cl.k, cand.flat());
  const queues = cand
    .sort((a, b) => byCluster.get(cl.assign[b[0]])!.length - byCluster.get(cl.assign[a[0]])!.length)
    .map((q) => q.sort((a, b) => typ.get(b)! - typ.get(a)! || a - b));
  return roundRobin(queues, limit);
}

const CANDIDATES = 200;

/**
 * Coverage, the cold start's continuation once every cluster holds a label: the most typical unlabelled member
 * of the cluster with the most images per label so far (size / (labels + 1)), one at a time, each pick counted as
 * a label of its cluster. Starting from no labels this is the cold start itself (biggest uncovered cluster
 * first), so `typical` never runs dry while the pool has unlabelled rows.
 */
export function coverage(cl: Clusters, unl: number[], lab: number[], limit: number): number[] {
  const size = new Float64Array(cl.k),
    labels = new Float64Array(cl.k);
  const byCluster: number[][] = Array.from({ length: cl.k }, () => []);
  for (const i of lab) if (cl.assign[i] < cl.k) labels[cl.assign[i]]++;
  for (let i = 0; i < cl.assign.length; i++) if (cl.assign[i] < cl.k) size[cl.assign[i]]++;
  for (const i of unl) if (cl.assign[i] < cl.k) byCluster[cl.assign[i]].push(i);
  const cand = byCluster.map((q) =>
    q.length <= CANDIDATES
      ? q
      : Array.from({ length: CANDIDATES }, (_, j) => q[Math.floor((j * q.length) / CANDIDATES)]),
  );
  const typ = typicality(cl.Z, cl.m, cl.assign, cl.k, cand.flat());
  const queues = cand.map((q) => q.sort((a, b) => typ.get(b)! - typ.get(a)! || a - b));
  const at = new Int32Array(cl.k),
    out: number[] = [];
  while (out.length < limit) {
    let best = -1,
      bestV = -1;
    for (let c = 0; c < cl.k; c++)
      if (at[c] < queues[c].length) {
        const v = size[c] / (labels[c] + 1);
        if (v > bestV) {
          bestV = v;
          best = c;
        }
      }
    if (best < 0) break;
    out.push(queues[best][at[best]++]);
    labels[best]++;
  }
  return out;
}

/** Cluster-margin: the `pool` most uncertain rows, then round-robin across their clusters. */
export function clusterMargin(cl: Clusters, ranked: number[], limit: number, pool = 10 * limit): number[] {
  const byCluster = new Map<number, number[]>();
  for (const i of ranked.slice(0, pool))
    (byCluster.get(cl.assign[i]) ?? byCluster.set(cl.assign[i], []).get(cl.assign[i])!).push(i);
  // clusters keep the order of their most uncertain member; each queue stays most-uncertain-first
  const out = roundRobin([...byCluster.values()], limit);
  if (out.length < limit)
    for (const i of ranked.slice(pool)) {
      if (out.length >= limit) break;
      out.push(i);
    }
  return out;
}

function roundRobin(queues: number[][], limit: number): number[] {
  const out: number[] = [];
  for (let r = 0; out.length < limit; r++) {
    let any = false;
    for (const q of queues)
      if (r < q.length) {
        any = true;
        out.push(q[r]);
        if (out.length >= limit) break;
      }
    if (!any) break;
  }
  return out;
}
