// Rasterising brush strokes and polygons into a class-index mask (one byte per image pixel).
// A stroke segment fills every pixel whose centre lies within r of the segment: the exact union of
// round stamps swept continuously along the pointer path, so fast strokes have no gaps and the edge
// has no stair-steps beyond the pixel grid itself, at any zoom (coordinates are sub-pixel floats).

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
} // x1/y1 exclusive

export interface MaskBuf {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Smallest radius that still paints every pixel the path touches (half a pixel diagonal). */
export const MIN_RADIUS = Math.SQRT1_2;

export function union(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

/** Paint the capsule from (ax,ay) to (bx,by) with radius r (image pixels) in `value` (0 = erase). */
export function strokeSegment(
  m: MaskBuf,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  r: number,
  value: number,
): Rect | null {
  const rr = Math.max(r, MIN_RADIUS);
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - rr));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - rr));
  const x1 = Math.min(m.width, Math.ceil(Math.max(ax, bx) + rr) + 1);
  const y1 = Math.min(m.height, Math.ceil(Math.max(ay, by) + rr) + 1);
  if (x0 >= x1 || y0 >= y1) return null;
  const dx = bx - ax,
    dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const r2 = rr * rr;
  for (let y = y0; y < y1; y++) {
    const cy = y + 0.5;
    const row = y * m.width;
    for (let x = x0; x < x1; x++) {
      const cx = x + 0.5;
      // distance from the pixel centre to the closest point of the segment
      let t = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = ax + t * dx - cx,
        ey = ay + t * dy - cy;
      if (ex * ex + ey * ey <= r2) m.data[row + x] = value;
    }
  }
  return { x0, y0, x1, y1 };
}

/** A round stamp (a stroke of zero length). */
export function stamp(m: MaskBuf, x: number, y: number, r: number, value: number): Rect | null {
  return strokeSegment(m, x, y, x, y, r, value);
}

/** Paint a whole polyline (the pointer path of one stroke). */
export function strokePath(m: MaskBuf, pts: { x: number; y: number }[], r: number, value: number): Rect | null {
  if (!pts.length) return null;
  let dirty = stamp(m, pts[0].x, pts[0].y, r, value);
  for (let i = 1; i < pts.length; i++)
    dirty = union(dirty, strokeSegment(m, pts[i - 1].x, pts[i - 1].y, pts[i].x, pts[i].y, r, value));
  return dirty;
}

/** Even-odd scanline fill of a polygon (vertices in image pixels), sampling pixel centres. */
export function fillPolygon(m: MaskBuf, pts: { x: number; y: number }[], value: number): Rect | null {
  if (pts.length < 3) return null;
  const ys = pts.map((p) => p.y);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(m.height, Math.ceil(Math.max(...ys)) + 1);
  let dirty: Rect | null = null;
  const xs: number[] = [];
  for (let y = y0; y < y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i],
        q = pts[(i + 1) % pts.length];
      if ((p.y <= cy && q.y > cy) || (q.y <= cy && p.y > cy)) xs.push(p.x + ((cy - p.y) * (q.x - p.x)) / (q.y - p.y));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(m.width, Math.ceil(xs[k + 1] - 0.5)); // exclusive
      if (from >= to) continue;
      m.data.fill(value, y * m.width + from, y * m.width + to);
      dirty = union(dirty, { x0: from, y0: y, x1: to, y1: y + 1 });
    }
  }
  return dirty;
}

/** Replace pixel values that are not in `keep` (e.g. a deleted class) by 0; returns how many changed. */
export function dropUnknown(m: MaskBuf, keep: Set<number>): number {
  let n = 0;
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i];
    if (v !== 0 && !keep.has(v)) {
      m.data[i] = 0;
      n++;
    }
  }
  return n;
}
