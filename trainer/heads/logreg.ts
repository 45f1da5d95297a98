// Multinomial logistic regression on standardised features, L2, class-balanced, fitted by L-BFGS.
// Objective: sum_i w_i * -log p(y_i | x_i) / sum_i w_i  +  l2/2 * ||W||^2   (bias not penalised).
// Using the weighted *mean* loss keeps the regulariser's strength independent of the label count, so
// one new label barely moves the optimum and a warm start stays close to it.
// Class indices are 0..C-1; the caller maps class ids to indices and appends new classes at the end.
// C may grow between fits (the warm model is padded with zero rows); if a class is removed the caller
// must drop the warm model (fitLogReg throws when warm.C > C).
import { columnStats, drifted, restandardise } from './standardise.ts';
import { lbfgs, type LbfgsMemory } from './lbfgs.ts';

export interface LogRegModel {
  d: number;
  C: number;
  /** [C, d+1] row-major: weights on standardised features, last column = bias */
  W: Float32Array;
  mean: Float32Array;
  std: Float32Array;
  /** transient L-BFGS curvature pairs reused by the next warm start; not worth persisting */
  memory?: LbfgsMemory;
}
export interface LogRegOptions {
  l2?: number; // default 1e-2 (on the mean loss, see above)
  classBalanced?: boolean; // default true: w_i = n / (K * count[y_i]), K = classes present
  maxIter?: number; // default 500
  /** stop after this many milliseconds, unconverged (a warm refit continues from the result) */
  maxMs?: number;
  tol?: number; // stop when the relative loss decrease of an iteration < tol (default 1e-5: predictions then
  // sit within ~0.003 of the exact optimum on 384-d blobs, and a warm refit takes 1-5 iterations)
  gtol?: number; // ... or when max |gradient| < gtol (default 1e-5)
  warm?: LogRegModel | null;
  /** accepted for API stability: the fit has no randomness (zero init, full batch, fixed order) */
  seed?: number;
  history?: number; // L-BFGS memory size, default 10
  /** re-standardise a warm model when its mean/std drift beyond this (in old std units), default 0.25 */
  driftTol?: number;
}
export interface LogRegResult {
  model: LogRegModel;
  iterations: number;
  evaluations: number;
  loss: number;
  converged: boolean;
}

export function fitLogReg(
  X: Float32Array,
  y: Int32Array,
  n: number,
  d: number,
  C: number,
  opts: LogRegOptions = {},
): LogRegResult {
  const l2 = opts.l2 ?? 1e-2,
    warm = opts.warm ?? null;
  if (X.length < n * d || y.length < n) throw new Error(`fitLogReg: X/y too short for n=${n}, d=${d}`);
  if (warm && warm.d !== d) throw new Error(`fitLogReg: warm model has d=${warm.d}, data has d=${d}`);
  if (warm && warm.C > C)
    throw new Error(`fitLogReg: warm model has C=${warm.C} > ${C}; a class was removed, reset the head`);
  // Labelled rows only (y < 0 = ignore).
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] >= C) throw new Error(`fitLogReg: label ${y[i]} out of range for C=${C}`);
    if (y[i] >= 0) m++;
  }
  const rows = new Int32Array(m),
    ys = new Int32Array(m);
  for (let i = 0, k = 0; i < n; i++)
    if (y[i] >= 0) {
      rows[k] = i;
      ys[k++] = y[i];
    }
  const counts = new Float64Array(C);
  for (let k = 0; k < m; k++) counts[ys[k]]++;
  let present = 0;
  for (let c = 0; c < C; c++) if (counts[c] > 0) present++;
  const sw = new Float64Array(m);
  let total = 0;
  for (let k = 0; k < m; k++) {
    sw[k] = opts.classBalanced === false ? 1 : m / (present * counts[ys[k]]);
    total += sw[k];
  }
  for (let k = 0; k < m; k++) sw[k] /= total;

  // Standardisation: keep the warm model's statistics (so its weights and curvature memory stay valid)
  // unless the labelled set has drifted; then re-express the warm weights exactly in the new statistics.
  const P = C * (d + 1),
    w = new Float64Array(P);
  let mean: Float64Array, std: Float64Array, memory: LbfgsMemory | undefined;
  const fresh = columnStats(X, rows, d);
  if (warm) {
    for (let c = 0; c < warm.C; c++) for (let j = 0; j <= d; j++) w[c * (d + 1) + j] = warm.W[c * (d + 1) + j];
    mean = Float64Array.from(warm.mean);
    std = Float64Array.from(warm.std);
    if (drifted(mean, std, fresh.mean, fresh.std, opts.driftTol ?? 0.25)) {
      restandardise(w, C, d, mean, std, fresh.mean, fresh.std);
      mean = fresh.mean;
      std = fresh.std;
    } else if (warm.C === C) memory = warm.memory; // pairs live in the same parameter space
  } else {
    mean = fresh.mean;
    std = fresh.std;
  }

  const objective = makeObjective(X, rows, ys, sw, d, C, mean, std, l2);
  const r = lbfgs(objective, w, {
    memory,
    history: opts.history ?? 10,
    maxIter: opts.maxIter ?? 500,
    maxMs: opts.maxMs,
    tol: opts.tol ?? 1e-5,
    gtol: opts.gtol ?? 1e-5,
  });
  const model: LogRegModel = {
    d,
    C,
    W: Float32Array.from(r.x),
    mean: Float32Array.from(mean),
    std: Float32Array.from(std),
    memory: r.memory,
  };
  return { model, iterations: r.iterations, evaluations: r.evaluations, loss: r.f, converged: r.converged };
}

/** Fold the standardisation into raw-space weights: logit_c = b'_c + sum_j A[c,j] x_j. */
function rawWeights(
  w: ArrayLike<number>,
  C: number,
  d: number,
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
  A: Float64Array,
  b: Float64Array,
): void {
  for (let c = 0; c < C; c++) {
    const base = c * (d + 1);
    let bias = w[base + d];
    for (let j = 0; j < d; j++) {
      const a = w[base + j] / std[j];
      A[c * d + j] = a;
      bias -= a * mean[j];
    }
    b[c] = bias;
  }
}

/** Logits of the row at `off` into z. Classes go 4 at a time so each X element loaded feeds 4 MACs
 *  (JS has no SIMD; load count is what limits these loops). Returns the max logit. */
function logits(
  X: Float32Array,
  off: number,
  A: Float64Array,
  b: Float64Array,
  C: number,
  d: number,
  z: Float64Array,
): number {
  let c = 0;
  for (; c + 3 < C; c += 4) {
    const a0 = c * d,
      a1 = a0 + d,
      a2 = a1 + d,
      a3 = a2 + d;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let j = 0; j < d; j++) {
      const x = X[off + j];
      s0 += x * A[a0 + j];
      s1 += x * A[a1 + j];
      s2 += x * A[a2 + j];
      s3 += x * A[a3 + j];
    }
    z[c] = b[c] + s0;
    z[c + 1] = b[c + 1] + s1;
    z[c + 2] = b[c + 2] + s2;
    z[c + 3] = b[c + 3] + s3;
  }
  for (; c < C; c++) {
    const a0 = c * d;
    let s0 = 0;
    for (let j = 0; j < d; j++) s0 += X[off + j] * A[a0 + j];
    z[c] = b[c] + s0;
  }
  let zmax = -Infinity;
  for (c = 0; c < C; c++) if (z[c] > zmax) zmax = z[c];
  return zmax;
}

/** Loss and gradient in one pass over the labelled rows; all buffers allocated once per fit (exported for gradient checks).
 *  Rows go in blocks of 4 so the gradient accumulation G += r x reads/writes G once per 4 rows. */
export function makeObjective(
  X: Float32Array,
  rows: Int32Array,
  ys: Int32Array,
  sw: Float64Array,
  d: number,
  C: number,
  mean: Float64Array,
  std: Float64Array,
  l2: number,
) {
  const A = new Float64Array(C * d),
    b = new Float64Array(C),
    G = new Float64Array(C * d),
    rs = new Float64Array(C),
    z = new Float64Array(C);
  const R = new Float64Array(4 * C),
    off = new Int32Array(4);
  const m = rows.length;
  return (w: Float64Array, g: Float64Array): number => {
    rawWeights(w, C, d, mean, std, A, b);
    G.fill(0);
    rs.fill(0);
    let loss = 0;
    for (let k0 = 0; k0 < m; k0 += 4) {
      for (let q = 0; q < 4; q++) {
        const k = k0 + q;
        if (k >= m) {
          off[q] = off[0];
          R.fill(0, q * C, q * C + C);
          continue;
        } // padding rows add 0
        const o = rows[k] * d,
          yk = ys[k],
          wk = sw[k];
        off[q] = o;
        const zmax = logits(X, o, A, b, C, d, z);
        const zy = z[yk];
        let sum = 0;
        for (let c = 0; c < C; c++) {
          const e = Math.exp(z[c] - zmax);
          z[c] = e;
          sum += e;
        }
        loss += wk * (Math.log(sum) + zmax - zy);
        const inv = wk / sum;
        for (let c = 0; c < C; c++) {
          const r = z[c] * inv - (c === yk ? wk : 0);
          R[q * C + c] = r;
          rs[c] += r;
        }
      }
      const o0 = off[0],
        o1 = off[1],
        o2 = off[2],
        o3 = off[3];
      let c = 0;
      for (; c + 1 < C; c += 2) {
        // 2 classes x 4 rows: 4 loads of X feed 8 MACs
        const r0 = R[c],
          r1 = R[C + c],
          r2 = R[2 * C + c],
          r3 = R[3 * C + c];
        const q0 = R[c + 1],
          q1 = R[C + c + 1],
          q2 = R[2 * C + c + 1],
          q3 = R[3 * C + c + 1],
          g0 = c * d,
          g1 = g0 + d;
        for (let j = 0; j < d; j++) {
          const x0 = X[o0 + j],
            x1 = X[o1 + j],
            x2 = X[o2 + j],
            x3 = X[o3 + j];
          G[g0 + j] += r0 * x0 + r1 * x1 + r2 * x2 + r3 * x3;
          G[g1 + j] += q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3;
        }
      }
      if (c < C) {
        const r0 = R[c],
          r1 = R[C + c],
          r2 = R[2 * C + c],
          r3 = R[3 * C + c],
          g0 = c * d;
        for (let j = 0; j < d; j++) G[g0 + j] += r0 * X[o0 + j] + r1 * X[o1 + j] + r2 * X[o2 + j] + r3 * X[o3 + j];
      }
    }
    // Chain rule back to standardised coordinates: dL/dW[c,j] = (G[c,j] - mean_j * sum_i r_ic) / std_j.
    let reg = 0;
    for (let c = 0; c < C; c++) {
      const base = c * (d + 1);
      for (let j = 0; j < d; j++) {
        const wj = w[base + j];
        reg += wj * wj;
        g[base + j] = (G[c * d + j] - mean[j] * rs[c]) / std[j] + l2 * wj;
      }
      g[base + d] = rs[c];
    }
    return loss + 0.5 * l2 * reg;
  };
}

/** The head as plain affine weights on raw features: A [d, C] row-major and b [C], with the
 *  standardisation folded in — what an exported ONNX graph multiplies by (trainer/onnx/head-graph.ts). */
export function foldedWeights(model: LogRegModel): { A: Float32Array; b: Float32Array } {
  const { d, C } = model;
  const Ar = new Float64Array(C * d),
    b = new Float64Array(C);
  rawWeights(model.W, C, d, model.mean, model.std, Ar, b);
  const A = new Float32Array(d * C);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) A[j * C + c] = Ar[c * d + j];
  return { A, b: Float32Array.from(b) };
}

/** Class probabilities, [n, C] row-major. */
export function predictProba(model: LogRegModel, X: Float32Array, n: number): Float32Array {
  const { d, C } = model;
  const A = new Float64Array(C * d),
    b = new Float64Array(C),
    z = new Float64Array(C),
    out = new Float32Array(n * C);
  rawWeights(model.W, C, d, model.mean, model.std, A, b);
  for (let i = 0; i < n; i++) {
    const zmax = logits(X, i * d, A, b, C, d, z);
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(z[c] - zmax);
      z[c] = e;
      sum += e;
    }
    for (let c = 0; c < C; c++) out[i * C + c] = z[c] / sum;
  }
  return out;
}
