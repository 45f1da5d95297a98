// Choosing labels on purpose: k-means finds the modes of the pool, the cold start asks for the typical member
// of every mode with no label yet and stops once each is covered, coverage goes on with the least-labelled
// modes, cluster-margin spreads the uncertain picks over the modes, and the lists hold train-side images only.
import { describe, expect, it } from 'vitest';
import { clusterMargin, clusterPool, coldStart, coverage, kmeans } from '../trainer/cold-start.ts';
import { computeSuggestions } from '../trainer/suggestions.ts';
import { sketchRows } from '../trainer/suggestions-sketch.ts';
import { isVal } from '../common/split.ts';
import { gauss, mulberry32 } from '../trainer/rng.ts';

/** `k` Gaussian blobs in d dims, `per` points each; row i belongs to blob floor(i / per); spread 0.3 around far centres. */
function blobs(k: number, per: number, d = 16, seed = 3) {
  const r = mulberry32(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => gauss(r) * 5));
  const X = new Float32Array(k * per * d);
  for (let c = 0; c < k; c++)
    for (let p = 0; p < per; p++) for (let j = 0; j < d; j++) X[(c * per + p) * d + j] = centres[c][j] + gauss(r) * 0.3;
  return { X, d, n: k * per, blob: (i: number) => Math.floor(i / per) };
}

describe('cold start', () => {
  it('k-means recovers well-separated blobs (each cluster is one blob)', () => {
    const b = blobs(4, 30);
    const { Z, m } = sketchRows(b.X, b.d, b.n);
    const { assign } = kmeans(Z, b.n, m, 4, 1);
    for (let c = 0; c < 4; c++) expect(new Set(Array.from({ length: 30 }, (_, p) => assign[c * 30 + p])).size).toBe(1);
    expect(new Set(assign).size).toBe(4);
  });

  it('asks for one typical image per uncovered cluster, and nothing once every cluster has a label', () => {
    const b = blobs(4, 30);
    const cl = clusterPool(b.X, b.d, b.n, 2); // k = 4 for two classes
    expect(cl.k).toBe(4);
    const all = Array.from({ length: b.n }, (_, i) => i);
    const first = coldStart(cl, all, [], 4);
    expect(new Set(first.map(b.blob)).size).toBe(4);
    // blob 0 labelled: the next cold-start picks come from the three others only
    const lab = [0];
    const next = coldStart(
      cl,
      all.filter((i) => i !== 0),
      lab,
      10,
    );
    expect(next.length).toBeGreaterThan(0);
    expect(next.some((i) => b.blob(i) === 0)).toBe(false);
    expect(coldStart(cl, all, [0, 30, 60, 90], 10)).toEqual([]);
  });

  it('the clusters follow the session classes, not only the labelled ones (classCount): the cold start does not end when two classes have a label', () => {
    const b = blobs(8, 20);
    const ids = Array.from({ length: b.n }, (_, i) => i + 1);
    const probs = new Float32Array(b.n * 2).fill(0.5);
    const base = {
      ids,
      probs,
      C: 2,
      classIds: [1, 2],
      features: b.X,
      d: b.d,
      labelledIds: [1, 21, 41, 61],
      labelCounts: [2, 2],
      limit: 20,
      valPlaces: false,
    };
    // a model over 2 of the session's 4 classes: k = 2 × 4 = 8 clusters, 4 of them still uncovered
    const typical = computeSuggestions({ ...base, classCount: 4 }).typical;
    expect(new Set(typical.slice(0, 4).map((id) => b.blob(id - 1)))).toEqual(new Set([4, 5, 6, 7]));
    // without it, k = 2 × 2 labelled classes: 4 clusters over 8 blobs, and the picks are no longer one per uncovered blob
    expect(
      new Set(
        computeSuggestions(base)
          .typical.slice(0, 4)
          .map((id) => b.blob(id - 1)),
      ),
    ).not.toEqual(new Set([4, 5, 6, 7]));
  });

  it('coldGrows: at least labels + 1 clusters, so the cold start goes on past two clusters per class (TypiClust)', () => {
    const b = blobs(16, 10);
    const ids = Array.from({ length: b.n }, (_, i) => i + 1);
    const labelled = Array.from({ length: 12 }, (_, k) => k * 10 + 1); // one image in each of blobs 0..11
    const base = {
      ids,
      probs: new Float32Array(b.n * 2).fill(0.5),
      C: 2,
      classIds: [1, 2],
      features: b.X,
      d: b.d,
      labelledIds: labelled,
      labelCounts: [6, 6],
      limit: 20,
      valPlaces: false,
      classCount: 2,
    };
    // two classes: k = 4 clusters, all holding a label — the cold start is over (typical goes on with coverage)
    expect(computeSuggestions({ ...base, coldGrows: false }).cold).toEqual([]);
    // k = 2 × ⌈13 / 2⌉ = 14 clusters for 12 labels: some hold none, and the four unlabelled blobs are asked for
    const grown = computeSuggestions({ ...base, coldGrows: true }).cold;
    expect(grown.length).toBeGreaterThan(0);
    expect(grown.some((id) => b.blob(id - 1) >= 12)).toBe(true);
  });

  it('the typical pick is central, not an outlier', () => {
    const b = blobs(2, 40);
    // push row 5 of blob 0 far out: it must not be the first pick for its blob
    for (let j = 0; j < b.d; j++) b.X[5 * b.d + j] += 3;
    const cl = clusterPool(b.X, b.d, b.n, 2);
    const picks = coldStart(
      cl,
      Array.from({ length: b.n }, (_, i) => i),
      [],
      4,
    );
    expect(picks.slice(0, 2)).not.toContain(5);
  });

  it('cluster-margin takes the most uncertain image of each cluster in the pool before a second from any', () => {
    const b = blobs(3, 20);
    const cl = clusterPool(b.X, b.d, b.n, 2);
    // an uncertainty ranking that puts all of blob 0 first, then blob 1, then blob 2
    const ranked = Array.from({ length: b.n }, (_, i) => i);
    expect(clusterMargin(cl, ranked, 3, 60)).toEqual([0, 20, 40]);
    // only the pool (the 10·limit most uncertain) is spread: here blobs 0 and 1
    expect(clusterMargin(cl, ranked, 3).map(b.blob)).toEqual([0, 1, 0]);
  });

  it('lists hold train-side images only (the server adds the val-side picks); typical never runs dry', () => {
    const n = 400,
      d = 8,
      C = 2;
    const r = mulberry32(9);
    const feats = Float32Array.from({ length: n * d }, () => gauss(r));
    const probs = new Float32Array(n * C);
    for (let i = 0; i < n; i++) {
      const p = r();
      probs[i * C] = p;
      probs[i * C + 1] = 1 - p;
    }
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const lists = computeSuggestions({
      ids,
      probs,
      C,
      classIds: [1, 2],
      features: feats,
      d,
      labelledIds: ids.slice(0, 40),
      labelCounts: [20, 20],
      limit: 50,
    });
    for (const key of ['uncertain', 'diverse', 'minority', 'class:1', 'typical']) {
      const l = lists[key];
      expect(l.length, key).toBe(50);
      l.forEach((id, k) => expect(isVal(id), `${key}[${k}]`).toBe(false));
    }
  });

  it('coverage: once every cluster has a label, typical goes on with the clusters that have the fewest labels per image', () => {
    // four blobs of 20; blob 0 has 5 labels, blob 1 one, blob 2 two, blob 3 three: coverage asks blob 1 first
    const b = blobs(4, 20, 6, 11);
    const cl = clusterPool(b.X, b.d, b.n, 2);
    const lab = [0, 1, 2, 3, 4, 20, 40, 41, 60, 61, 62];
    const unl = Array.from({ length: b.n }, (_, i) => i).filter((i) => !lab.includes(i));
    expect(coldStart(cl, unl, lab, 10)).toEqual([]);
    const picks = coverage(cl, unl, lab, 12);
    expect(picks.length).toBe(12);
    expect(picks.slice(0, 1).map(b.blob)).toEqual([1]);
    // after 12 picks the four blobs' labels per image are even within one label
    const per = [0, 1, 2, 3].map((k) => lab.concat(picks).filter((i) => b.blob(i) === k).length);
    expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
    expect(new Set(picks).size).toBe(12);
    // with no label at all it is the cold start: one per cluster first
    expect(
      new Set(
        coverage(
          cl,
          Array.from({ length: b.n }, (_, i) => i),
          [],
          4,
        ).map(b.blob),
      ).size,
    ).toBe(4);
  });
});
