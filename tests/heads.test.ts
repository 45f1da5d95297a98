// @vitest-environment node
import { describe, it, expect } from 'vitest';
import { fitLogReg, makeObjective, predictProba } from '../trainer/heads/logreg.ts';
import { columnStats, restandardise } from '../trainer/heads/standardise.ts';
import {
  IGNORE,
  argmaxMap,
  fitSegmentation,
  maskToPatchLabels,
  pixelToPatch,
  pointsToPatchLabels,
  predictMap,
  type PatchGrid,
} from '../trainer/heads/segmentation.ts';
import { isVal } from '../common/split.ts';
import { mulberry32 as rng, gauss } from '../trainer/rng.ts';

/** Gaussian blobs: class c has mean mu_c (entries ~ N(0, sep²)) plus an offset so features are not centred. */
function blobs(perClass: number[], d: number, sep: number, seed: number) {
  const r = rng(seed),
    C = perClass.length;
  const mu = Float64Array.from({ length: C * d }, () => gauss(r) * sep);
  const n = perClass.reduce((a, b) => a + b, 0);
  const X = new Float32Array(n * d),
    y = new Int32Array(n);
  let i = 0;
  for (let c = 0; c < C; c++)
    for (let k = 0; k < perClass[c]; k++, i++) {
      y[i] = c;
      for (let j = 0; j < d; j++) X[i * d + j] = mu[c * d + j] + gauss(r) + 3 + j * 0.1;
    }
  return { X, y, n, mu };
}
function argmax(p: Float32Array, i: number, C: number) {
  let b = 0;
  for (let c = 1; c < C; c++) if (p[i * C + c] > p[i * C + b]) b = c;
  return b;
}
function accuracy(p: Float32Array, y: Int32Array, C: number, onlyClass = -1) {
  let ok = 0,
    tot = 0;
  for (let i = 0; i < y.length; i++)
    if (onlyClass < 0 || y[i] === onlyClass) {
      tot++;
      ok += +(argmax(p, i, C) === y[i]);
    }
  return ok / tot;
}

describe('logistic regression head', () => {
  it('recovers separable Gaussian blobs (4 classes) on held-out points', () => {
    const d = 32,
      C = 4;
    const train = blobs([40, 40, 40, 40], d, 0.8, 1),
      test = blobs([200, 200, 200, 200], d, 0.8, 1);
    // same seed → same means; regenerate test points with a different noise stream
    const r = rng(99);
    for (let i = 0; i < test.n; i++)
      for (let j = 0; j < d; j++) test.X[i * d + j] = test.mu[test.y[i] * d + j] + gauss(r) + 3 + j * 0.1;
    const fit = fitLogReg(train.X, train.y, train.n, d, C);
    expect(fit.converged).toBe(true);
    expect(accuracy(predictProba(fit.model, test.X, test.n), test.y, C)).toBeGreaterThanOrEqual(0.95);
  });

  it('computes the gradient the loss implies (finite differences), including the row-block tail', () => {
    const d = 9,
      C = 3,
      n = 11,
      r = rng(2); // 11 rows: the last block of 4 is padded
    const X = Float32Array.from({ length: n * d }, () => 2 * r() + 1);
    const rows = Int32Array.from({ length: n }, (_, i) => i),
      ys = Int32Array.from({ length: n }, (_, i) => i % C);
    const sw = Float64Array.from({ length: n }, () => r()),
      mean = Float64Array.from({ length: d }, () => r());
    const std = Float64Array.from({ length: d }, () => 0.5 + r());
    const f = makeObjective(X, rows, ys, sw, d, C, mean, std, 0.1);
    const P = C * (d + 1),
      w = Float64Array.from({ length: P }, () => r() - 0.5),
      g = new Float64Array(P),
      tmp = new Float64Array(P);
    f(w, g);
    for (let t = 0; t < P; t++) {
      const h = 1e-6,
        wp = w.slice(),
        wm = w.slice();
      wp[t] += h;
      wm[t] -= h;
      expect(Math.abs((f(wp, tmp) - f(wm, tmp)) / (2 * h) - g[t])).toBeLessThan(1e-6);
    }
  });

  it('ignores rows labelled -1', () => {
    const d = 8,
      C = 3;
    const a = blobs([20, 20, 20], d, 1.5, 3);
    const yNoisy = a.y.slice();
    for (let i = 0; i < a.n; i += 3) yNoisy[i] = -1;
    const X2 = a.X.slice();
    for (let i = 0; i < a.n; i += 3) for (let j = 0; j < d; j++) X2[i * d + j] = 1e6; // garbage in ignored rows
    const sub: number[] = [];
    for (let i = 0; i < a.n; i++) if (i % 3) sub.push(i);
    const Xs = new Float32Array(sub.length * d),
      ys = new Int32Array(sub.length);
    sub.forEach((i, k) => {
      Xs.set(a.X.subarray(i * d, i * d + d), k * d);
      ys[k] = a.y[i];
    });
    const f1 = fitLogReg(X2, yNoisy, a.n, d, C),
      f2 = fitLogReg(Xs, ys, sub.length, d, C);
    expect(Math.abs(f1.loss - f2.loss)).toBeLessThan(1e-9);
  });

  it('class-balanced weights keep minority recall high under 40:1 imbalance', () => {
    const d = 6,
      C = 3,
      sep = 0.9;
    const train = blobs([400, 400, 10], d, sep, 5),
      test = blobs([300, 300, 300], d, sep, 5);
    const r = rng(7);
    for (let i = 0; i < test.n; i++)
      for (let j = 0; j < d; j++) test.X[i * d + j] = test.mu[test.y[i] * d + j] + gauss(r) + 3 + j * 0.1;
    const bal = fitLogReg(train.X, train.y, train.n, d, C, { classBalanced: true });
    const unb = fitLogReg(train.X, train.y, train.n, d, C, { classBalanced: false });
    const recallBal = accuracy(predictProba(bal.model, test.X, test.n), test.y, C, 2);
    const recallUnb = accuracy(predictProba(unb.model, test.X, test.n), test.y, C, 2);
    expect(recallBal).toBeGreaterThan(recallUnb);
    expect(recallBal).toBeGreaterThanOrEqual(0.75);
  });

  it('warm start after a few new labels converges in fewer iterations than cold, to the same predictions', () => {
    const d = 64,
      C = 5;
    const a = blobs([120, 120, 120, 120, 120], d, 0.35, 11);
    const y0 = a.y.slice();
    const extra = [3, 150, 290, 410, 555];
    for (const i of extra) y0[i] = -1;
    const base = fitLogReg(a.X, y0, a.n, d, C, { tol: 1e-9 });
    const cold = fitLogReg(a.X, a.y, a.n, d, C, { tol: 1e-9 });
    const warm = fitLogReg(a.X, a.y, a.n, d, C, { tol: 1e-9, warm: base.model });
    expect(warm.iterations).toBeLessThan(cold.iterations);
    // The warm fit keeps the base model's standardisation (so its objective differs slightly through
    // the L2 term): compare what matters, the predicted probabilities.
    const pw = predictProba(warm.model, a.X, a.n),
      pc = predictProba(cold.model, a.X, a.n);
    let maxDiff = 0;
    for (let i = 0; i < pw.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pw[i] - pc[i]));
    expect(maxDiff).toBeLessThan(0.01); // the un-refitted base model is ~0.03 away
  });

  it('a fit stopped by its time budget is unconverged, and a warm refit from it ends where one fit ends', () => {
    const d = 96,
      C = 5;
    const a = blobs([400, 400, 400, 400, 400], d, 0.3, 5);
    const whole = fitLogReg(a.X, a.y, a.n, d, C, { tol: 1e-9 });
    expect(whole.converged).toBe(true);
    const step = fitLogReg(a.X, a.y, a.n, d, C, { tol: 1e-9, maxMs: 0 });
    expect(step.converged).toBe(false);
    expect(step.iterations).toBeLessThan(whole.iterations);
    const rest = fitLogReg(a.X, a.y, a.n, d, C, { tol: 1e-9, warm: step.model });
    expect(rest.converged).toBe(true);
    const pw = predictProba(rest.model, a.X, a.n),
      pc = predictProba(whole.model, a.X, a.n);
    let maxDiff = 0;
    for (let i = 0; i < pw.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pw[i] - pc[i]));
    expect(maxDiff).toBeLessThan(0.01);
  });

  it('is deterministic and does not mutate the warm model', () => {
    const d = 16,
      C = 3;
    const a = blobs([30, 30, 30], d, 0.6, 21);
    const base = fitLogReg(a.X, a.y, 60, d, C, { seed: 1 });
    const snapshot = base.model.W.slice();
    const w1 = fitLogReg(a.X, a.y, a.n, d, C, { seed: 1, warm: base.model });
    const w2 = fitLogReg(a.X, a.y, a.n, d, C, { seed: 1, warm: base.model });
    expect(Array.from(w1.model.W)).toEqual(Array.from(w2.model.W));
    expect(Array.from(base.model.W)).toEqual(Array.from(snapshot));
    const c1 = fitLogReg(a.X, a.y, a.n, d, C, { seed: 1 }),
      c2 = fitLogReg(a.X, a.y, a.n, d, C, { seed: 1 });
    expect(Array.from(c1.model.W)).toEqual(Array.from(c2.model.W));
  });

  it('pads a warm model when a class is added and refuses one with more classes', () => {
    const d = 8;
    const a = blobs([30, 30, 30], d, 2, 4);
    const two = a.y.map((c) => (c === 2 ? -1 : c)) as Int32Array;
    const m2 = fitLogReg(a.X, two, a.n, d, 2).model;
    const m3 = fitLogReg(a.X, a.y, a.n, d, 3, { warm: m2 });
    expect(m3.model.C).toBe(3);
    expect(accuracy(predictProba(m3.model, a.X, a.n), a.y, 3)).toBeGreaterThan(0.95);
    expect(() => fitLogReg(a.X, two, a.n, d, 2, { warm: m3.model })).toThrow(/reset/);
  });

  it('re-standardising warm weights preserves the predictions exactly', () => {
    const d = 5,
      C = 3;
    const a = blobs([20, 20, 20], d, 1, 8);
    const m = fitLogReg(a.X, a.y, a.n, d, C).model;
    const w = Float64Array.from(m.W);
    const s1 = columnStats(
      a.X.map((v) => v * 2 - 1),
      null,
      d,
    );
    restandardise(w, C, d, m.mean, m.std, s1.mean, s1.std);
    const m2 = { ...m, W: Float32Array.from(w), mean: Float32Array.from(s1.mean), std: Float32Array.from(s1.std) };
    const p1 = predictProba(m, a.X, a.n),
      p2 = predictProba(m2, a.X, a.n);
    for (let i = 0; i < p1.length; i++) expect(Math.abs(p1[i] - p2[i])).toBeLessThan(1e-4);
  });
});

describe('segmentation head', () => {
  const g: PatchGrid = { imageWidth: 100, imageHeight: 60, gridWidth: 7, gridHeight: 4 };

  it('maps points to patches, clamping at the image edges', () => {
    expect(pixelToPatch(0, 0, g)).toBe(0);
    expect(pixelToPatch(99.9, 0, g)).toBe(6);
    expect(pixelToPatch(100, 60, g)).toBe(3 * 7 + 6); // on the far edge → last patch
    expect(pixelToPatch(-3, 70, g)).toBe(3 * 7);
    expect(pixelToPatch(50, 30, g)).toBe(2 * 7 + 3); // 50/100*7 = 3.5, 30/60*4 = 2
    const labels = pointsToPatchLabels(
      [
        { x: 1, y: 1, cls: 2 },
        { x: 99, y: 59, cls: 0 },
        { x: 98, y: 58, cls: 1 },
      ],
      g,
    );
    expect(labels[0]).toBe(2);
    expect(labels[27]).toBe(IGNORE); // two points disagree 1:1 → ignored
    expect(labels.filter((v) => v !== IGNORE).length).toBe(1);
  });

  it('derives patch labels from a mask by majority, ignoring mixed and unlabelled patches', () => {
    const sq: PatchGrid = { imageWidth: 40, imageHeight: 10, gridWidth: 4, gridHeight: 1 }; // 10×10 patches
    const mask = new Uint8Array(400);
    const paint = (x0: number, x1: number, y0: number, y1: number, v: number) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * 40 + x] = v;
    };
    paint(0, 10, 0, 10, 1); // patch 0: all class index 0
    paint(10, 20, 0, 7, 3);
    paint(10, 20, 7, 10, 2); // patch 1: 70 % index 2, 30 % index 1 → 2
    paint(20, 25, 0, 10, 1);
    paint(25, 30, 0, 10, 2); // patch 2: 50/50 → ignore
    paint(32, 34, 2, 8, 2); // patch 3: a thin scribble, all index 1 → 1
    expect(Array.from(maskToPatchLabels(mask, sq))).toEqual([0, 2, IGNORE, 1]);
    expect(Array.from(maskToPatchLabels(new Uint8Array(400), sq))).toEqual([IGNORE, IGNORE, IGNORE, IGNORE]);
  });

  it('recovers a colour checkerboard from sparse point labels', () => {
    // 3 classes with distinct colours on a checkerboard of 2×2-patch cells; features = colour + noise.
    const gw = 16,
      gh = 16,
      P = 8,
      d = 12,
      C = 3,
      r = rng(31);
    const grid: PatchGrid = { imageWidth: gw * P, imageHeight: gh * P, gridWidth: gw, gridHeight: gh };
    const colours = [
      [0.9, 0.1, 0.1],
      [0.1, 0.8, 0.2],
      [0.2, 0.2, 0.9],
    ];
    const makeImage = (shift: number) => {
      const truth = new Int32Array(gw * gh),
        feats = new Float32Array(gw * gh * d);
      for (let py = 0; py < gh; py++)
        for (let px = 0; px < gw; px++) {
          const c = ((px >> 1) + (py >> 1) + shift) % C,
            p = py * gw + px;
          truth[p] = c;
          for (let j = 0; j < d; j++) feats[p * d + j] = (j < 3 ? colours[c][j] : 0) + 0.08 * gauss(r);
        }
      return { truth, feats };
    };
    const train = [makeImage(0), makeImage(1)];
    const images = train.map(({ truth, feats }) => {
      const pts = [];
      for (let k = 0; k < 12; k++) {
        // 12 random clicks per image, labelled with the truth under them
        const x = r() * grid.imageWidth,
          y = r() * grid.imageHeight;
        pts.push({ x, y, cls: truth[pixelToPatch(x, y, grid)] });
      }
      return { features: feats, labels: pointsToPatchLabels(pts, grid) };
    });
    const fit = fitSegmentation(images, d, C, { seed: 0 });
    const test = makeImage(2);
    const { map, uncertainty } = predictMap(fit.model, test.feats, gh, gw);
    expect(map.length).toBe(C * gh * gw);
    for (let p = 0; p < gh * gw; p++)
      expect(Math.abs(map[p] + map[gh * gw + p] + map[2 * gh * gw + p] - 255)).toBeLessThanOrEqual(2);
    // pixel accuracy: every pixel takes its patch's prediction
    const pred = argmaxMap(map, C, gh * gw);
    let ok = 0;
    for (let y = 0; y < grid.imageHeight; y++)
      for (let x = 0; x < grid.imageWidth; x++) {
        const p = pixelToPatch(x, y, grid);
        ok += +(pred[p] === test.truth[p]);
      }
    expect(ok / (grid.imageWidth * grid.imageHeight)).toBeGreaterThanOrEqual(0.97);
    expect(uncertainty).toBeGreaterThanOrEqual(0);
    expect(uncertainty).toBeLessThan(0.5);
  });
});

describe('train/val split', () => {
  it('is stable and puts about 20 % of ids in val', () => {
    let val = 0;
    for (let i = 1; i <= 10000; i++) {
      const v = isVal(i);
      expect(isVal(i)).toBe(v);
      expect(isVal(String(i))).toBe(v);
      val += +v;
    }
    expect(val / 10000).toBeGreaterThan(0.18);
    expect(val / 10000).toBeLessThan(0.22);
    let differ = 0;
    for (let i = 1; i <= 1000; i++) differ += +(isVal(i) !== isVal(i, 0.2, 'another-salt'));
    expect(differ).toBeGreaterThan(100); // the salt matters: assignments are not just id order
  });
});
