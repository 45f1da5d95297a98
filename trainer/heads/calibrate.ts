// Honest confidence for the logistic head: temperature scaling (Guo et al., 2017) fitted on predictions the head
// did not train on — out-of-fold predictions of the train labels (k refits of the same head, warm-started from
// it) plus the val labels. With few labels the held-out rows are often of a mode, or a class, the fold never saw:
// their loss pulls the temperature up and the shown probabilities flatten, instead of "100 %" after three labels.
// The temperature divides every logit, so the scaled head is an ordinary LogRegModel (W / T): predictions,
// exports and their validation need nothing else.
import { hash32 } from '../../common/split.ts';
import { fitLogReg, predictProba, type LogRegModel } from './logreg.ts';

export const T_MIN = 0.5;
export const T_MAX = 50;
/** the most train rows the out-of-fold refits use (an even, fixed sample beyond that) */
export const CALIBRATION_ROWS = 300;
const FOLDS = 5;

/** The head with every logit divided by T. */
export function scaleModel(m: LogRegModel, T: number): LogRegModel {
  if (T === 1) return m;
  return { d: m.d, C: m.C, mean: m.mean, std: m.std, W: Float32Array.from(m.W, (w) => w / T) };
}

/** Mean negative log-likelihood of labels y under softmax(log p / T), p: [n, C] probabilities. */
function nll(logp: Float64Array, y: ArrayLike<number>, n: number, C: number, T: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logp[i * C + c] / T);
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(logp[i * C + c] / T - max);
    s += max + Math.log(z) - logp[i * C + y[i]] / T;
  }
  return s / Math.max(1, n);
}

/** The temperature in [T_MIN, T_MAX] that minimises the held-out NLL (golden-section search on log T). */
export function fitTemperature(probs: Float32Array, y: ArrayLike<number>, n: number, C: number): number {
  if (n === 0 || C < 2) return 1;
  const logp = Float64Array.from(probs.subarray(0, n * C), (p) => Math.log(Math.max(p, 1e-12)));
  const f = (t: number) => nll(logp, y, n, C, Math.exp(t));
  let a = Math.log(T_MIN),
    b = Math.log(T_MAX);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a),
    d = a + g * (b - a),
    fc = f(c),
    fd = f(d);
  for (let it = 0; it < 60 && b - a > 1e-4; it++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** Fits one fold's head: rows with y < 0 are left out; warm-started from `warm` when given. */
export type FoldFit = (
  X: Float32Array,
  y: Int32Array,
  n: number,
  d: number,
  C: number,
  warm: LogRegModel | null,
) => LogRegModel | Promise<LogRegModel>;
const fitFold: FoldFit = (X, y, n, d, C, warm) => fitLogReg(X, y, n, d, C, { warm, seed: 0 }).model;

/** Out-of-fold probabilities of the rows (k = min(5, n) folds by a hash of the id), each fold's head fitted on the
 *  other rows with the live head's options and warm-started from `full`; the fold's rows are then predicted. A
 *  fold with no other rows predicts uniform probabilities. */
export async function outOfFold(
  ids: number[],
  X: Float32Array,
  y: Int32Array,
  d: number,
  C: number,
  full: LogRegModel | null,
  fit: FoldFit = fitFold,
): Promise<Float32Array> {
  const n = ids.length,
    k = Math.min(FOLDS, n);
  const out = new Float32Array(n * C);
  const fold = ids.map((id) => hash32(`calibration:${id}`) % k);
  for (let f = 0; f < k; f++) {
    const rows: number[] = [];
    const yf = Int32Array.from(y, (v, i) => (fold[i] === f ? (rows.push(i), -1) : v));
    if (!rows.length) continue;
    if (!yf.some((v) => v >= 0)) {
      rows.forEach((i) => out.fill(1 / C, i * C, (i + 1) * C));
      continue;
    }
    const model = await fit(X, yf, n, d, C, full && full.C <= C ? full : null);
    const Xf = new Float32Array(rows.length * d);
    rows.forEach((i, q) => Xf.set(X.subarray(i * d, (i + 1) * d), q * d));
    const p = predictProba(model, Xf, rows.length);
    rows.forEach((i, q) => out.set(p.subarray(q * C, (q + 1) * C), i * C));
  }
  return out;
}

/** An even, fixed sample of at most `max` row indices. */
export function evenSample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, j) => Math.floor((j * n) / max));
}

/** Expected calibration error: |accuracy − mean confidence| of the top class in `bins` equal-width bins of
 *  confidence, weighted by the bins' shares of the rows. */
export function expectedCalibrationError(
  probs: Float32Array,
  y: ArrayLike<number>,
  n: number,
  C: number,
  bins = 10,
): number | null {
  if (!n) return null;
  const cnt = new Float64Array(bins),
    conf = new Float64Array(bins),
    acc = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let c = 1; c < C; c++) if (probs[i * C + c] > probs[i * C + b]) b = c;
    const p = probs[i * C + b],
      k = Math.min(bins - 1, Math.floor(p * bins));
    cnt[k]++;
    conf[k] += p;
    acc[k] += b === y[i] ? 1 : 0;
  }
  let e = 0;
  for (let k = 0; k < bins; k++) if (cnt[k]) e += Math.abs(acc[k] - conf[k]);
  return e / n;
}
