// @vitest-environment node
import { describe, it, expect } from 'vitest';
import { computeSuggestions, kCenter } from '../trainer/suggestions.ts';
import { mulberry32 as rng, gauss } from '../trainer/rng.ts';

/** Random probability rows (softmax of random logits), n × C. */
function randomProbs(n: number, C: number, seed: number) {
  const r = rng(seed),
    p = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(3 * gauss(r));
      p[i * C + c] = e;
      s += e;
    }
    for (let c = 0; c < C; c++) p[i * C + c] /= s;
  }
  return p;
}
const ids = (n: number) => Array.from({ length: n }, (_, i) => 1000 + i); // ids ≠ row indices on purpose

describe('suggestions', () => {
  const n = 300,
    C = 4,
    classIds = [7, 8, 9, 10];
  const probs = randomProbs(n, C, 1);
  const labelledIds = [1000, 1001, 1002, 1050];
  const base = {
    ids: ids(n),
    probs,
    C,
    classIds,
    features: null,
    d: 0,
    labelledIds,
    labelCounts: [5, 9, 2, 0],
    limit: 50,
    valPlaces: false,
    coldStart: false,
  };
  const row = (id: number) => id - 1000;
  const margin = (i: number) => {
    const v = Array.from(probs.subarray(i * C, i * C + C)).sort((a, b) => b - a);
    return v[0] - v[1];
  };

  it('returns every list, excludes labelled images, respects the limit', () => {
    const s = computeSuggestions(base);
    expect(Object.keys(s).sort()).toEqual([
      'class:10',
      'class:7',
      'class:8',
      'class:9',
      'cold',
      'diverse',
      'minority',
      'mix',
      'review',
      'typical',
      'uncertain',
    ]);
    expect(s.review).toEqual([]); // no label issues given
    for (const [k, list] of Object.entries(s)) {
      if (k === 'diverse' || k === 'typical' || k === 'cold' || k === 'review') continue; // no features given; review lists labelled images
      expect(list.length).toBe(50);
      expect(new Set(list).size).toBe(50);
      for (const id of labelledIds) expect(list).not.toContain(id);
    }
  });

  it('review: only the labelled rows the task flagged, most likely wrong first', () => {
    const labelIssue = new Float64Array(n).fill(NaN);
    labelIssue[row(1000)] = 0.6;
    labelIssue[row(1001)] = 0.9;
    labelIssue[row(1002)] = 0.9; // 1050: labelled, not flagged
    labelIssue[row(1010)] = 0.99; // an unlabelled row with a score is not a label issue
    expect(computeSuggestions({ ...base, labelIssue }).review).toEqual([1001, 1002, 1000]);
  });

  it('uncertain: lowest margin first, and nothing left out has a lower margin', () => {
    const s = computeSuggestions(base).uncertain;
    for (let k = 1; k < s.length; k++) expect(margin(row(s[k]))).toBeGreaterThanOrEqual(margin(row(s[k - 1])));
    const worstPicked = margin(row(s[s.length - 1]));
    for (let i = 0; i < n; i++)
      if (!labelledIds.includes(1000 + i) && !s.includes(1000 + i))
        expect(margin(i)).toBeGreaterThanOrEqual(worstPicked);
  });

  it('class:X sorts unlabelled images by the probability of X, descending', () => {
    const s = computeSuggestions(base);
    classIds.forEach((cid, c) => {
      const list = s[`class:${cid}`];
      for (let k = 1; k < list.length; k++)
        expect(probs[row(list[k]) * C + c]).toBeLessThanOrEqual(probs[row(list[k - 1]) * C + c]);
      const best = Math.max(
        ...ids(n)
          .filter((id) => !labelledIds.includes(id))
          .map((id) => probs[row(id) * C + c]),
      );
      expect(probs[row(list[0]) * C + c]).toBe(best);
    });
  });

  it('minority: targets the least-labelled class, least confident predicted-minority images first', () => {
    // Column 2 has the fewest labels among labelled classes (column 3 has none, so it is skipped).
    const s = computeSuggestions(base).minority;
    const top = (i: number) => {
      let b = 0;
      for (let c = 1; c < C; c++) if (probs[i * C + c] > probs[i * C + b]) b = c;
      return b;
    };
    const predictedMinority = ids(n).filter((id) => !labelledIds.includes(id) && top(row(id)) === 2);
    expect(predictedMinority.length).toBeGreaterThan(3);
    const head = s.slice(0, Math.min(predictedMinority.length, s.length));
    for (const id of head) expect(top(row(id))).toBe(2);
    for (let k = 1; k < head.length; k++) expect(margin(row(head[k]))).toBeGreaterThanOrEqual(margin(row(head[k - 1])));
    expect(margin(row(head[0]))).toBe(Math.min(...predictedMinority.map((id) => margin(row(id)))));
    // with other counts the target moves
    const s2 = computeSuggestions({ ...base, labelCounts: [1, 9, 2, 0] }).minority;
    expect(top(row(s2[0]))).toBe(0);
  });

  it('minority: when no image is predicted as the minority class, those closest to flipping come first', () => {
    const p = Float32Array.from([
      0.6,
      0.1,
      0.3,
      /**/ 0.5,
      0.45,
      0.05,
      /**/ 0.45,
      0.1,
      0.45 - 1e-3,
      /**/ 0.9,
      0.05,
      0.05,
    ]);
    for (let i = 0; i < 4; i++) {
      let t = 0;
      for (let c = 0; c < 3; c++) t += p[i * 3 + c];
      for (let c = 0; c < 3; c++) p[i * 3 + c] /= t;
    }
    const s = computeSuggestions({
      ids: [1, 2, 3, 4],
      probs: p,
      C: 3,
      classIds: [0, 1, 2],
      features: null,
      d: 0,
      labelledIds: [],
      labelCounts: [4, 3, 1],
      valPlaces: false,
    });
    expect(s.minority).toEqual([3, 1, 2, 4]); // by |p(minority) - best other|; 2 is uncertain, but not about class 2
  });

  it('diverse: greedy k-center picks one image from each well-separated cluster, seeded by the labelled set', () => {
    const d = 768,
      K = 6,
      per = 40,
      r = rng(5);
    const centres = Array.from({ length: K }, () => Float64Array.from({ length: d }, () => gauss(r) * 3));
    const N = K * per,
      X = new Float32Array(N * d);
    for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) X[i * d + j] = centres[Math.floor(i / per)][j] + gauss(r);
    const cluster = (id: number) => Math.floor((id - 1000) / per);
    // cluster 0 already labelled: the first K-1 picks must cover clusters 1..K-1, one each
    const labelled = ids(per);
    const s = computeSuggestions({
      ids: ids(N),
      probs: null,
      C: 0,
      classIds: [],
      features: X,
      d,
      labelledIds: labelled,
      labelCounts: [],
      limit: K - 1,
      valPlaces: false,
      coldStart: false,
    });
    expect(s.diverse.length).toBe(K - 1);
    expect(new Set(s.diverse.map(cluster))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(s.uncertain).toEqual([]); // no model yet
    // without labels, K picks cover all K clusters
    const s0 = computeSuggestions({
      ids: ids(N),
      probs: null,
      C: 0,
      classIds: [],
      features: X,
      d,
      labelledIds: [],
      labelCounts: [],
      limit: K,
      valPlaces: false,
      coldStart: false,
    });
    expect(new Set(s0.diverse.map(cluster)).size).toBe(K);
  });

  it('kCenter picks far-apart points on a line and stops at the number of candidates', () => {
    const xs = [0, 1, 2, 3, 10, 11, 20];
    const X = Float32Array.from(xs);
    const picks = kCenter(X, 1, [1, 2, 3, 4, 5, 6], [0], 3); // row 0 (x=0) labelled
    expect(picks).toEqual([6, 4, 3]); // x=20 (farthest from 0), x=10 (10 from both), x=3 (3 from 0)
    expect(kCenter(X, 1, [1, 2], [0], 10).length).toBe(2);
  });
});

describe('suggestions with presence (segmentation)', () => {
  // 4 images, 2 classes; probs say every image is mostly class 0, presence says which also holds class 1
  const probs = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.95, 0.05, 0.85, 0.15]);
  const presence = Float32Array.from([1, 0.2, 1, 0.9, 1, 0.6, 1, 0.1]);
  const base = {
    ids: [10, 11, 12, 13],
    probs,
    C: 2,
    classIds: [4, 6],
    features: null,
    d: 0,
    labelledIds: [],
    labelCounts: [500, 20],
  };

  it('class X ranks images by how likely they contain X, not by what they mostly are', () => {
    expect(computeSuggestions({ ...base, presence })['class:6']).toEqual([11, 12, 10, 13]);
    expect(computeSuggestions(base)['class:6']).toEqual([11, 13, 10, 12]); // by mean probability: another order
  });

  it('minority: the least-labelled class, images most likely to contain it first', () => {
    expect(computeSuggestions({ ...base, presence }).minority).toEqual([11, 12, 10, 13]);
  });
});

describe('imageScores', () => {
  it('presence is the mean of the strongest ~1 % patches, so a small object counts', async () => {
    const { imageScores } = await import('../trainer/tasks/seg-scores.ts');
    const n = 400,
      map = new Uint8Array(2 * n);
    map.fill(255, 0, n); // class 0 everywhere…
    for (const q of [7, 8, 9, 10]) {
      map[q] = 0;
      map[n + q] = 255;
    } // …but 4 patches of class 1
    const s = imageScores(map, 2, n);
    expect(s.probs[1]).toBeCloseTo(4 / 400, 3);
    expect(s.presence[1]).toBeCloseTo(1, 3);
  });
});
