// Image-level views of a segmentation prediction, for the next-image strategies: what the image mostly is
// (mean class probability), what it likely contains (presence), and its mean patch feature (diversity).

/** Mean probability and presence per class from a quantised [C, n] map: presence is the mean of the class's
 *  top ~1 % patches (at least 2), so a small object counts as much as a large one. */
export function imageScores(map: Uint8Array, C: number, n: number): { probs: Float32Array; presence: Float32Array } {
  const probs = new Float32Array(C),
    presence = new Float32Array(C),
    k = Math.min(n, Math.max(2, Math.ceil(n / 100)));
  const top = new Float32Array(k);
  for (let c = 0; c < C; c++) {
    let s = 0;
    top.fill(-1);
    for (let q = 0; q < n; q++) {
      const v = map[c * n + q];
      s += v;
      if (v > top[k - 1]) {
        let j = k - 1;
        while (j > 0 && top[j - 1] < v) {
          top[j] = top[j - 1];
          j--;
        }
        top[j] = v;
      }
    }
    probs[c] = s / n / 255;
    presence[c] = top.reduce((a, b) => a + b, 0) / k / 255;
  }
  return { probs, presence };
}

export function meanFeature(g: { data: Float32Array; h: number; w: number; d: number }): Float32Array {
  const f = new Float32Array(g.d),
    n = g.h * g.w;
  for (let q = 0; q < n; q++) for (let k = 0; k < g.d; k++) f[k] += g.data[q * g.d + k];
  for (let k = 0; k < g.d; k++) f[k] /= n;
  return f;
}
