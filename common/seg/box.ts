// Box means on small float images (the guided filter's building block): two passes of running sums,
// O(w·h) whatever the radius; windows are clipped at the borders and divided by their true size, so a
// border pixel is the mean of the pixels that exist (no zero padding darkening the edges).

/** Mean over the (2r+1)² window around every pixel of `src` (w×h), into `out` (allocated if absent). */
export function boxMean(
  src: Float32Array,
  w: number,
  h: number,
  r: number,
  out = new Float32Array(w * h),
  tmp = new Float32Array(w * h),
): Float32Array {
  // horizontal: running sum along each row
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let s = 0;
    for (let x = 0; x <= Math.min(r, w - 1); x++) s += src[o + x];
    for (let x = 0; x < w; x++) {
      const lo = Math.max(0, x - r),
        hi = Math.min(w - 1, x + r);
      tmp[o + x] = s / (hi - lo + 1);
      if (x + r + 1 < w) s += src[o + x + r + 1];
      if (x - r >= 0) s -= src[o + x - r];
    }
  }
  // vertical: running sum along each column of the row means
  for (let x = 0; x < w; x++) {
    let s = 0;
    for (let y = 0; y <= Math.min(r, h - 1); y++) s += tmp[y * w + x];
    for (let y = 0; y < h; y++) {
      const lo = Math.max(0, y - r),
        hi = Math.min(h - 1, y + r);
      out[y * w + x] = s / (hi - lo + 1);
      if (y + r + 1 < h) s += tmp[(y + r + 1) * w + x];
      if (y - r >= 0) s -= tmp[(y - r) * w + x];
    }
  }
  return out;
}

/** Sample positions along one axis when `n` samples cover the same extent as `out` (half-sample centres,
 *  like image resizers): lower index, upper index and the upper weight for every output position. */
export function axisWeights(n: number, out: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(out),
    i1 = new Int32Array(out),
    f = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const s = Math.max(0, Math.min(n - 1, ((o + 0.5) * n) / out - 0.5));
    const a = Math.floor(s);
    i0[o] = a;
    i1[o] = Math.min(n - 1, a + 1);
    f[o] = s - a;
  }
  return { i0, i1, f };
}

/** Bilinear resample of a [C, h, w] stack of planes to [C, H, W] (half-sample centres). */
export function resamplePlanes(
  src: ArrayLike<number>,
  C: number,
  h: number,
  w: number,
  W: number,
  H: number,
  scale = 1,
): Float32Array {
  const ax = axisWeights(w, W),
    ay = axisWeights(h, H);
  const out = new Float32Array(C * W * H);
  for (let c = 0; c < C; c++) {
    const so = c * h * w,
      oo = c * W * H;
    for (let y = 0; y < H; y++) {
      const r0 = so + ay.i0[y] * w,
        r1 = so + ay.i1[y] * w,
        fy = ay.f[y];
      for (let x = 0; x < W; x++) {
        const c0 = ax.i0[x],
          c1 = ax.i1[x],
          fx = ax.f[x];
        const top = src[r0 + c0] + (src[r0 + c1] - src[r0 + c0]) * fx;
        const bot = src[r1 + c0] + (src[r1 + c1] - src[r1 + c0]) * fx;
        out[oo + y * W + x] = (top + (bot - top) * fy) * scale;
      }
    }
  }
  return out;
}
