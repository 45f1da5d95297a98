// Your strokes as evidence for the refinement of the same image: in the cells you painted, the class
// probabilities become what you painted (in proportion to the painted share of the cell), and those cells
// weigh more in the guided filter's local fits, so the colour↔class relation of your strokes carries to
// the unpainted pixels around them — a scribble inside a shape the model got wrong fixes the whole shape.

import { spreadSeeds } from './hint-spread.ts';

/** How much a fully painted cell outweighs an unpainted one in the local fits (bench/seg-refine.ts). */
export const HINT_WEIGHT = 30;

/** How your strokes reach the rest of their region (hint-spread.ts): `tau` is the largest colour step
 *  (Euclidean, RGB in [0, 1], between neighbouring cells' mean colours) a flood may cross (0 = no spread);
 *  a reached cell takes the flooding class, and weighs `strength` of a painted cell in the local fits. */
export interface Spread {
  tau: number;
  tauColour: number;
  strength: number;
  I: Float32Array[];
}

/**
 * `hints`: class index + 1 per guide pixel (0 = not painted). Updates the low-resolution probabilities `P`
 * ([C, lw·lh]) in place and returns the per-cell weights, or null when nothing is painted.
 */
export function applyHints(
  P: Float32Array,
  C: number,
  hints: ArrayLike<number>,
  W: number,
  H: number,
  lw: number,
  lh: number,
  xc: Int32Array,
  yc: Int32Array,
  weight = HINT_WEIGHT,
  spread?: Spread,
): Float32Array | null {
  const n = lw * lh,
    painted = new Float32Array(C * n),
    total = new Float32Array(n),
    count = new Float32Array(n);
  let any = false;
  for (let y = 0; y < H; y++) {
    const row = yc[y] * lw;
    for (let x = 0, p = y * W; x < W; x++, p++) {
      const cell = row + xc[x],
        v = hints[p];
      count[cell]++;
      if (v > 0 && v <= C) {
        painted[(v - 1) * n + cell]++;
        total[cell]++;
        any = true;
      }
    }
  }
  if (!any) return null;
  const w = new Float32Array(n);
  const reached =
    spread && spread.tau > 0
      ? spreadSeeds(spread.I, lw, lh, seeds(painted, total, count, C, n), spread.tau, spread.tauColour)
      : null;
  for (let cell = 0; cell < n; cell++) {
    const f = count[cell] ? total[cell] / count[cell] : 0;
    if (!f && reached && reached[cell] >= 0) {
      const s = spread!.strength,
        k = reached[cell];
      w[cell] = 1 + weight * s;
      for (let c = 0; c < C; c++) P[c * n + cell] = c === k ? 1 : 0;
      continue;
    }
    w[cell] = 1 + weight * f;
    if (!f) continue;
    for (let c = 0; c < C; c++) P[c * n + cell] = (1 - f) * P[c * n + cell] + f * (painted[c * n + cell] / total[cell]);
  }
  return w;
}

/** Seed cells of the flood: cells at least half painted, with the class painted most in them. */
function seeds(painted: Float32Array, total: Float32Array, count: Float32Array, C: number, n: number): Int16Array {
  const out = new Int16Array(n).fill(-1);
  for (let cell = 0; cell < n; cell++) {
    if (!count[cell] || total[cell] / count[cell] < 0.5) continue;
    let best = 0;
    for (let c = 1; c < C; c++) if (painted[c * n + cell] > painted[best * n + cell]) best = c;
    out[cell] = best;
  }
  return out;
}
