// Pixels for "see your work": your mask as a fill (class colours, full alpha; the editor applies the
// opacity) and as a crisp outline; and where your mask and the model's prediction disagree. Pure and
// rect-based so a stroke repaints only its own box; unit-tested under Node.
import type { RGB, Upsampled } from './overlay-math.ts';
import type { Rect } from './raster.ts';

/** RGBA of `rect` of the mask (row stride `width`) into `out` (rect-sized), class colours, alpha 255. */
export function maskFill(
  mask: Uint8Array,
  width: number,
  colors: Map<number, RGB>,
  r: Rect,
  out: Uint8ClampedArray,
): void {
  const rw = r.x1 - r.x0;
  for (let y = r.y0; y < r.y1; y++)
    for (let x = r.x0; x < r.x1; x++) {
      const v = mask[y * width + x],
        c = v ? colors.get(v) : undefined,
        o = ((y - r.y0) * rw + (x - r.x0)) * 4;
      if (!c) {
        out[o + 3] = 0;
        continue;
      }
      out[o] = c[0];
      out[o + 1] = c[1];
      out[o + 2] = c[2];
      out[o + 3] = 255;
    }
}

/** The inner outline: labelled pixels with a pixel of another value within `t` steps along a row or a
 *  column (the image border is not an edge). Drawn in the class colour, lightened so it reads on its fill. */
export function maskEdges(
  mask: Uint8Array,
  W: number,
  H: number,
  colors: Map<number, RGB>,
  r: Rect,
  t: number,
  out: Uint8ClampedArray,
): void {
  const rw = r.x1 - r.x0;
  for (let y = r.y0; y < r.y1; y++)
    for (let x = r.x0; x < r.x1; x++) {
      const i = y * W + x,
        v = mask[i],
        o = ((y - r.y0) * rw + (x - r.x0)) * 4;
      out[o + 3] = 0;
      const c = v ? colors.get(v) : undefined;
      if (!c) continue;
      let edge = false;
      for (let k = 1; k <= t && !edge; k++) {
        edge =
          (x - k >= 0 && mask[i - k] !== v) ||
          (x + k < W && mask[i + k] !== v) ||
          (y - k >= 0 && mask[i - k * W] !== v) ||
          (y + k < H && mask[i + k * W] !== v);
      }
      if (!edge) continue;
      out[o] = 128 + (c[0] >> 1);
      out[o + 1] = 128 + (c[1] >> 1);
      out[o + 2] = 128 + (c[2] >> 1);
      out[o + 3] = 255;
    }
}

export const DISAGREE_RGB: RGB = [255, 0, 200];

/** Where your mask (full resolution, class ids) and the prediction (at its overlay size) name different
 *  classes: RGBA at the overlay size, and how many of your labelled pixels that is. Unlabelled pixels
 *  never disagree: the prediction is what fills them. */
export function disagreement(
  mask: Uint8Array,
  W: number,
  H: number,
  u: Upsampled,
  classIds: number[],
  out = new Uint8ClampedArray(u.width * u.height * 4),
): { rgba: Uint8ClampedArray; disagree: number; labelled: number } {
  let disagree = 0,
    labelled = 0;
  const sx = W / u.width,
    sy = H / u.height;
  for (let y = 0; y < u.height; y++) {
    const row = Math.min(H - 1, Math.floor((y + 0.5) * sy)) * W;
    for (let x = 0; x < u.width; x++) {
      const p = y * u.width + x,
        v = mask[row + Math.min(W - 1, Math.floor((x + 0.5) * sx))],
        o = p * 4;
      out[o + 3] = 0;
      if (!v) continue;
      labelled++;
      if (classIds[u.idx[p]] === v) continue;
      disagree++;
      out[o] = DISAGREE_RGB[0];
      out[o + 1] = DISAGREE_RGB[1];
      out[o + 2] = DISAGREE_RGB[2];
      out[o + 3] = 255;
    }
  }
  return { rgba: out, disagree, labelled };
}
