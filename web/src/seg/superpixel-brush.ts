// The superpixel brush: a stroke paints every superpixel its disc touches, whole, so one stroke fills up
// to the image's edges. Superpixels may be computed at a smaller working size than the image (large
// photos): a pixel's superpixel is read at its position scaled down, and each superpixel's bounding box
// is kept at image size so painting one visits only its own box.
import type { MaskBuf, Rect } from './raster.ts';
import type { Superpixels } from './superpixels.ts';

export interface SpMap {
  /** working size (the superpixels) and image size (the mask) */
  labels: Int32Array;
  width: number;
  height: number;
  count: number;
  W: number;
  H: number;
  /** per superpixel [x0, y0, x1, y1) in image pixels */
  boxes: Int32Array;
  xs: Int32Array;
  ys: Int32Array;
}

/** Index a superpixel map for painting into a W×H mask. */
export function spMap(sp: Superpixels, W: number, H: number): SpMap {
  const xs = Int32Array.from({ length: W }, (_, x) => Math.min(sp.width - 1, Math.floor((x * sp.width) / W)));
  const ys = Int32Array.from({ length: H }, (_, y) => Math.min(sp.height - 1, Math.floor((y * sp.height) / H)));
  const boxes = new Int32Array(4 * sp.count);
  for (let k = 0; k < sp.count; k++) {
    boxes[4 * k] = W;
    boxes[4 * k + 1] = H;
  }
  for (let y = 0; y < H; y++) {
    const row = ys[y] * sp.width;
    for (let x = 0; x < W; x++) {
      const b = 4 * sp.labels[row + xs[x]];
      if (x < boxes[b]) boxes[b] = x;
      if (y < boxes[b + 1]) boxes[b + 1] = y;
      if (x >= boxes[b + 2]) boxes[b + 2] = x + 1;
      if (y >= boxes[b + 3]) boxes[b + 3] = y + 1;
    }
  }
  return { labels: sp.labels, width: sp.width, height: sp.height, count: sp.count, W, H, boxes, xs, ys };
}

export const labelAt = (sp: SpMap, x: number, y: number) => sp.labels[sp.ys[y] * sp.width + sp.xs[x]];

/** Superpixels with a pixel centre within r of the segment (ax,ay)–(bx,by), image coordinates. */
export function superpixelsUnder(sp: SpMap, ax: number, ay: number, bx: number, by: number, r: number): Set<number> {
  const out = new Set<number>(),
    rr = Math.max(r, Math.SQRT1_2),
    r2 = rr * rr;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - rr)),
    x1 = Math.min(sp.W, Math.ceil(Math.max(ax, bx) + rr) + 1);
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - rr)),
    y1 = Math.min(sp.H, Math.ceil(Math.max(ay, by) + rr) + 1);
  const dx = bx - ax,
    dy = by - ay,
    len2 = dx * dx + dy * dy;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const cx = x + 0.5,
        cy = y + 0.5;
      let t = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = ax + t * dx - cx,
        ey = ay + t * dy - cy;
      if (ex * ex + ey * ey <= r2) out.add(labelAt(sp, x, y));
    }
  return out;
}

/** Paint whole superpixels `ids` in `value` (0 = erase); returns the dirty rectangle. */
export function paintSuperpixels(m: MaskBuf, sp: SpMap, ids: Iterable<number>, value: number): Rect | null {
  let dirty: Rect | null = null;
  for (const k of ids) {
    const x0 = sp.boxes[4 * k],
      y0 = sp.boxes[4 * k + 1],
      x1 = sp.boxes[4 * k + 2],
      y1 = sp.boxes[4 * k + 3];
    if (x1 <= x0) continue;
    for (let y = y0; y < y1; y++) {
      const row = sp.ys[y] * sp.width,
        o = y * m.width;
      for (let x = x0; x < x1; x++) if (sp.labels[row + sp.xs[x]] === k) m.data[o + x] = value;
    }
    dirty = dirty
      ? {
          x0: Math.min(dirty.x0, x0),
          y0: Math.min(dirty.y0, y0),
          x1: Math.max(dirty.x1, x1),
          y1: Math.max(dirty.y1, y1),
        }
      : { x0, y0, x1, y1 };
  }
  return dirty;
}
