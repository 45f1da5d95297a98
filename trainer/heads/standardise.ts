// Per-feature standardisation statistics for the linear heads, shared by logreg and suggestions.

/** Column mean/std over the given rows (all rows when `rows` is null). Float64 accumulators: features
 *  are Float32 and sums over 10^5 rows would otherwise lose digits. A (near-)constant column gets std 1
 *  so it contributes nothing instead of exploding. */
export function columnStats(
  X: Float32Array,
  rows: Int32Array | null,
  d: number,
  n = rows ? rows.length : X.length / d,
): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(d),
    sq = new Float64Array(d),
    std = new Float64Array(d);
  const m = rows ? rows.length : n;
  if (m === 0) {
    std.fill(1);
    return { mean, std };
  }
  for (let k = 0; k < m; k++) {
    const off = (rows ? rows[k] : k) * d;
    for (let j = 0; j < d; j++) mean[j] += X[off + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= m;
  for (let k = 0; k < m; k++) {
    const off = (rows ? rows[k] : k) * d;
    for (let j = 0; j < d; j++) {
      const v = X[off + j] - mean[j];
      sq[j] += v * v;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(sq[j] / m);
    std[j] = s > 1e-6 * (1 + Math.abs(mean[j])) ? s : 1;
  }
  return { mean, std };
}

/** True when new statistics moved by more than `tol` old standard deviations (mean) or by a factor
 *  beyond 1 + 2*tol (std) in any feature. */
export function drifted(
  mean0: ArrayLike<number>,
  std0: ArrayLike<number>,
  mean1: ArrayLike<number>,
  std1: ArrayLike<number>,
  tol: number,
): boolean {
  const maxRatio = Math.log(1 + 2 * tol);
  for (let j = 0; j < mean0.length; j++) {
    if (Math.abs(mean1[j] - mean0[j]) > tol * std0[j]) return true;
    if (Math.abs(Math.log(std1[j] / std0[j])) > maxRatio) return true;
  }
  return false;
}

/** Re-express weights w ([C, d+1], last = bias) fitted on (x-m0)/s0 so that they compute the same
 *  logits on (x-m1)/s1. Exact, so a warm start survives a change of statistics. */
export function restandardise(
  w: Float64Array,
  C: number,
  d: number,
  m0: ArrayLike<number>,
  s0: ArrayLike<number>,
  m1: ArrayLike<number>,
  s1: ArrayLike<number>,
): void {
  for (let c = 0; c < C; c++) {
    const base = c * (d + 1);
    let bias = w[base + d];
    for (let j = 0; j < d; j++) {
      const a = w[base + j] / s0[j]; // raw-space weight
      bias += a * (m1[j] - m0[j]);
      w[base + j] = a * s1[j];
    }
    w[base + d] = bias;
  }
}
