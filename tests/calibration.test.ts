// Honest confidence: the temperature is fitted on held-out predictions, recovers a known one, flattens a head
// trained on three labels instead of showing 100 %, and lowers the expected calibration error of an
// overconfident head (trainer/heads/calibrate.ts).
import { describe, expect, it } from 'vitest';
import {
  evenSample,
  expectedCalibrationError,
  fitTemperature,
  outOfFold,
  scaleModel,
} from '../trainer/heads/calibrate.ts';
import { fitLogReg, predictProba } from '../trainer/heads/logreg.ts';
import { gauss, mulberry32 } from '../trainer/rng.ts';

/** C overlapping Gaussian classes in d dims: row i has class i % C */
function blobs(n: number, C: number, d: number, spread: number, seed: number) {
  const r = mulberry32(seed);
  const centres = Array.from({ length: C }, () => Array.from({ length: d }, () => gauss(r)));
  const X = new Float32Array(n * d),
    y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % C;
    for (let j = 0; j < d; j++) X[i * d + j] = centres[y[i]][j] + spread * gauss(r);
  }
  return { X, y, n, d };
}
const maxProb = (p: Float32Array, C: number) =>
  Array.from({ length: p.length / C }, (_, i) => Math.max(...p.subarray(i * C, (i + 1) * C)));

describe('calibration', () => {
  it('ECE is the weighted gap between confidence and accuracy per bin', () => {
    // two rows at 0.9 confidence, one right and one wrong: |0.5 − 0.9| = 0.4; a third at 0.6, right: |1 − 0.6| = 0.4
    const p = Float32Array.from([0.9, 0.1, 0.9, 0.1, 0.4, 0.6]);
    expect(expectedCalibrationError(p, [0, 1, 1], 3, 2)).toBeCloseTo(0.4, 6);
    expect(expectedCalibrationError(p, [0, 0, 1], 3, 2)).toBeCloseTo((2 * 0.1 + 0.4) / 3, 6);
    expect(expectedCalibrationError(new Float32Array(0), [], 0, 2)).toBeNull();
  });

  it('recovers the temperature that generated the labels', () => {
    const r = mulberry32(4),
      n = 4000,
      C = 3,
      T0 = 3;
    const probs = new Float32Array(n * C),
      y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const z = [0, 1, 2].map(() => 4 * gauss(r));
      // the labels follow softmax(z / T0); the "model" says softmax(z): overconfident by T0
      const e = z.map((v) => Math.exp(v)),
        s = e.reduce((a, b) => a + b, 0);
      const et = z.map((v) => Math.exp(v / T0)),
        st = et.reduce((a, b) => a + b, 0);
      let u = r() * st,
        c = 0;
      while (c < C - 1 && (u -= et[c]) > 0) c++;
      y[i] = c;
      e.forEach((v, k) => {
        probs[i * C + k] = v / s;
      });
    }
    expect(fitTemperature(probs, y, n, C)).toBeGreaterThan(2.6);
    expect(fitTemperature(probs, y, n, C)).toBeLessThan(3.4);
  });

  it('three labels of three classes: the calibrated head does not claim certainty', async () => {
    const C = 3,
      b = blobs(300, C, 64, 1.2, 7);
    const ids = [0, 1, 2];
    const X = b.X.slice(0, 3 * b.d),
      y = b.y.slice(0, 3);
    const raw = fitLogReg(X, y, 3, b.d, C, { seed: 0 }).model;
    const rest = b.X.subarray(3 * b.d);
    const rawMax = Math.max(...maxProb(predictProba(raw, rest, 297), C));
    const T = fitTemperature(await outOfFold(ids, X, y, b.d, C, raw), y, 3, C);
    const shown = maxProb(predictProba(scaleModel(raw, T), rest, 297), C);
    expect(rawMax).toBeGreaterThan(0.95); // what an uncalibrated head shows
    expect(Math.max(...shown)).toBeLessThan(0.8);
  });

  it('with 60 labels on overlapping classes the out-of-fold temperature is near the test-optimal one and lowers the test ECE', async () => {
    const C = 4,
      b = blobs(1060, C, 128, 4, 11),
      n = 60,
      d = b.d;
    const X = b.X.slice(0, n * d),
      y = b.y.slice(0, n),
      ids = Array.from({ length: n }, (_, i) => i + 1);
    const raw = fitLogReg(X, y, n, d, C, { seed: 0 }).model;
    const T = fitTemperature(await outOfFold(ids, X, y, d, C, raw), y, n, C);
    const test = b.X.subarray(n * d),
      yt = b.y.subarray(n),
      m = 1000;
    const before = expectedCalibrationError(predictProba(raw, test, m), yt, m, C)!;
    const after = expectedCalibrationError(predictProba(scaleModel(raw, T), test, m), yt, m, C)!;
    const Topt = fitTemperature(predictProba(raw, test, m), yt, m, C);
    expect(Math.abs(Math.log(T / Topt))).toBeLessThan(Math.log(1.25));
    expect(after).toBeLessThan(before * 0.6);
    // the argmax never changes
    const a = predictProba(raw, test, m),
      c = predictProba(scaleModel(raw, T), test, m);
    for (let i = 0; i < m; i++) {
      const am = (p: Float32Array) => {
        let k = 0;
        for (let j = 1; j < C; j++) if (p[i * C + j] > p[i * C + k]) k = j;
        return k;
      };
      expect(am(c)).toBe(am(a));
    }
  });

  it('evenSample keeps every row up to the cap, an even spread beyond it', () => {
    expect(evenSample(3, 5)).toEqual([0, 1, 2]);
    expect(evenSample(10, 5)).toEqual([0, 2, 4, 6, 8]);
  });
});
