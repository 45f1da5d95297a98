// Your strokes as evidence for the refinement of the same image: in the cells you painted, the class
// probabilities become what you painted (in proportion to the painted share of the cell), and those cells
// weigh more in the guided filter's local fits, so the colour↔class relation of your strokes carries to
// the unpainted pixels around them — a scribble inside a shape the model got wrong fixes the whole shape.

/** How much a fully painted cell outweighs an unpainted one in the local fits (bench/seg-refine.ts). */
export const HINT_WEIGHT = 30;

/**
 * `hints`: class index + 1 per guide pixel (0 = not painted). Updates the low-resolution probabilities `P`
 * ([C, lw·lh]) in place and returns the per-cell weights, or null when nothing is painted.
 */
export function applyHints(P: Float32Array, C: number, hints: ArrayLike<number>, W: number, H: number, lw: number, lh: number, xc: Int32Array, yc: Int32Array, weight = HINT_WEIGHT): Float32Array | null {
  const n = lw * lh, painted = new Float32Array(C * n), total = new Float32Array(n), count = new Float32Array(n);
  let any = false;
  for (let y = 0; y < H; y++) {
    const row = yc[y] * lw;
    for (let x = 0, p = y * W; x < W; x++, p++) {
      const cell = row + xc[x], v = hints[p];
      count[cell]++;
      if (v > 0 && v <= C) { painted[(v - 1) * n + cell]++; total[cell]++; any = true; }
    }
  }
  if (!any) return null;
  const w = new Float32Array(n);
  for (let cell = 0; cell < n; cell++) {
    const f = count[cell] ? total[cell] / count[cell] : 0;
    w[cell] = 1 + weight * f;
    if (!f) continue;
    for (let c = 0; c < C; c++) P[c * n + cell] = (1 - f) * P[c * n + cell] + f * (painted[c * n + cell] / total[cell]);
  }
  return w;
}
