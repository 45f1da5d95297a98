// SLIC superpixels (Achanta et al. 2012): k-means on (CIELAB colour, position) with each centre searching
// only a 2S×2S window, so a pass costs ~4 distance evaluations per pixel whatever the count; then small
// or disconnected fragments are merged into a neighbour so every superpixel is one connected region.
// Pure: the browser computes it once per image (in a worker) for the superpixel brush.
import type { Guide } from '../../../common/seg/refine.ts';

export interface Superpixels {
  width: number;
  height: number;
  labels: Int32Array;
  count: number;
}
export interface SlicOptions {
  /** grid interval S in pixels (default: about 1200 superpixels, at least 8 px) */
  size?: number;
  /** colour vs space: higher = more compact, less edge-hugging (default 10, Lab units) */
  compactness?: number;
  iterations?: number;
}

/** Default interval for an image: ~1200 superpixels, never below 8 px. */
export const slicSize = (w: number, h: number) => Math.max(8, Math.round(Math.sqrt((w * h) / 1200)));

const LIN = Float32Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
let LAB: Float32Array | null = null;
/** sRGB → CIELAB (D65) for 6 bits per channel, built once (~262k colours, a few ms): three cube roots per
 *  pixel cost more than the rest of a SLIC pass, and a quarter-level step is far below what SLIC resolves. */
function labTable(): Float32Array {
  if (LAB) return LAB;
  LAB = new Float32Array(3 * 64 * 64 * 64);
  for (let i = 0; i < 64 * 64 * 64; i++) {
    const r = LIN[((i >> 12) << 2) + 2],
      g = LIN[(((i >> 6) & 63) << 2) + 2],
      b = LIN[((i & 63) << 2) + 2];
    const fx = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047),
      fy = f(0.2126 * r + 0.7152 * g + 0.0722 * b),
      fz = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    LAB[3 * i] = 116 * fy - 16;
    LAB[3 * i + 1] = 500 * (fx - fy);
    LAB[3 * i + 2] = 200 * (fy - fz);
  }
  return LAB;
}

/** sRGB bytes → L, a, b planes. */
export function toLab(g: Guide): Float32Array[] {
  const n = g.width * g.height,
    L = new Float32Array(n),
    A = new Float32Array(n),
    B = new Float32Array(n),
    t = labTable(),
    d = g.data;
  for (let i = 0, p = 0; i < n; i++, p += g.channels) {
    const k = 3 * (((d[p] >> 2) << 12) | ((d[p + 1] >> 2) << 6) | (d[p + 2] >> 2));
    L[i] = t[k];
    A[i] = t[k + 1];
    B[i] = t[k + 2];
  }
  return [L, A, B];
}

export function slic(g: Guide, opts: SlicOptions = {}): Superpixels {
  const W = g.width,
    H = g.height,
    n = W * H;
  const S = Math.max(2, opts.size ?? slicSize(W, H)),
    m = opts.compactness ?? 10,
    iters = opts.iterations ?? 5;
  const [L, A, B] = toLab(g);
  const nx = Math.max(1, Math.round(W / S)),
    ny = Math.max(1, Math.round(H / S));
  const K = nx * ny,
    cen = new Float64Array(K * 5); // l, a, b, x, y
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      let x = Math.min(W - 1, Math.floor(((i + 0.5) * W) / nx)),
        y = Math.min(H - 1, Math.floor(((j + 0.5) * H) / ny));
      // start on the flattest pixel nearby, not on an edge
      let bx = x,
        by = y,
        bg = Infinity;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const u = x + dx,
            v = y + dy;
          if (u < 1 || v < 1 || u >= W - 1 || v >= H - 1) continue;
          const p = v * W + u,
            gr = (L[p + 1] - L[p - 1]) ** 2 + (L[p + W] - L[p - W]) ** 2;
          if (gr < bg) {
            bg = gr;
            bx = u;
            by = v;
          }
        }
      x = bx;
      y = by;
      const p = y * W + x,
        k = (j * nx + i) * 5;
      cen[k] = L[p];
      cen[k + 1] = A[p];
      cen[k + 2] = B[p];
      cen[k + 3] = x;
      cen[k + 4] = y;
    }
  const label = new Int32Array(n).fill(-1),
    dist = new Float32Array(n);
  const wxy = (m * m) / (S * S),
    acc = new Float64Array(K * 6);
  for (let it = 0; it < iters; it++) {
    dist.fill(Infinity);
    for (let k = 0; k < K; k++) {
      const c = k * 5,
        cl = cen[c],
        ca = cen[c + 1],
        cb = cen[c + 2],
        cx = cen[c + 3],
        cy = cen[c + 4];
      const xa = Math.max(0, Math.floor(cx - S)),
        xb = Math.min(W - 1, Math.ceil(cx + S)),
        ya = Math.max(0, Math.floor(cy - S)),
        yb = Math.min(H - 1, Math.ceil(cy + S));
      for (let y = ya; y <= yb; y++) {
        const dy2 = (y - cy) * (y - cy);
        for (let x = xa, p = y * W + xa; x <= xb; x++, p++) {
          const dl = L[p] - cl,
            da = A[p] - ca,
            db = B[p] - cb;
          const D = dl * dl + da * da + db * db + ((x - cx) * (x - cx) + dy2) * wxy;
          if (D < dist[p]) {
            dist[p] = D;
            label[p] = k;
          }
        }
      }
    }
    acc.fill(0);
    for (let y = 0, p = 0; y < H; y++)
      for (let x = 0; x < W; x++, p++) {
        const k = label[p];
        if (k < 0) continue;
        const a = k * 6;
        acc[a] += L[p];
        acc[a + 1] += A[p];
        acc[a + 2] += B[p];
        acc[a + 3] += x;
        acc[a + 4] += y;
        acc[a + 5]++;
      }
    for (let k = 0; k < K; k++) {
      const a = k * 6,
        cnt = acc[a + 5];
      if (cnt) for (let j = 0; j < 5; j++) cen[k * 5 + j] = acc[a + j] / cnt;
    }
  }
  return connect(label, W, H, Math.max(1, Math.floor((S * S) / 4)), [L, A, B]);
}

/** Relabel 4-connected components 0..count-1. A component under `minSize` pixels (a fragment k-means left
 *  behind, or pixels no centre reached) joins the adjacent component closest to it in colour (`lab`), or,
 *  without colours, its first neighbour: merging by colour keeps fragments from crossing an edge. */
export function connect(label: Int32Array, W: number, H: number, minSize: number, lab?: Float32Array[]): Superpixels {
  const n = W * H,
    comp = new Int32Array(n).fill(-1),
    order = new Int32Array(n),
    start: number[] = [0];
  let k = 0,
    top = 0;
  for (let s = 0; s < n; s++) {
    if (comp[s] >= 0) continue;
    const v = label[s];
    let head = top;
    order[top++] = s;
    comp[s] = k;
    while (head < top) {
      // breadth-first: the component's pixels end up contiguous in `order`
      const p = order[head++],
        x = p % W;
      if (x > 0 && comp[p - 1] < 0 && label[p - 1] === v) {
        comp[p - 1] = k;
        order[top++] = p - 1;
      }
      if (x < W - 1 && comp[p + 1] < 0 && label[p + 1] === v) {
        comp[p + 1] = k;
        order[top++] = p + 1;
      }
      if (p >= W && comp[p - W] < 0 && label[p - W] === v) {
        comp[p - W] = k;
        order[top++] = p - W;
      }
      if (p + W < n && comp[p + W] < 0 && label[p + W] === v) {
        comp[p + W] = k;
        order[top++] = p + W;
      }
    }
    start.push(top);
    k++;
  }
  const size = (c: number) => start[c + 1] - start[c];
  const means = new Float32Array(3 * k);
  if (lab)
    for (let c = 0; c < k; c++)
      for (let j = 0; j < 3; j++) {
        let t = 0;
        for (let i = start[c]; i < start[c + 1]; i++) t += lab[j][order[i]];
        means[3 * c + j] = t / size(c);
      }
  const mean = (c: number) => [means[3 * c], means[3 * c + 1], means[3 * c + 2]];
  const parent = Int32Array.from({ length: k }, (_, i) => i);
  const root = (c: number): number => {
    while (parent[c] !== c) c = parent[c] = parent[parent[c]];
    return c;
  };
  const small = Array.from({ length: k }, (_, i) => i)
    .filter((c) => size(c) < minSize)
    .sort((a, b) => size(a) - size(b));
  for (const c of small) {
    const me = mean(c);
    let best = -1,
      bd = Infinity;
    for (let i = start[c]; i < start[c + 1]; i++) {
      const p = order[i],
        x = p % W;
      for (const q of [x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1, p - W, p + W]) {
        if (q < 0 || q >= n || comp[q] === c) continue;
        const t = root(comp[q]);
        if (t === root(c)) continue;
        const m = mean(t),
          d = (m[0] - me[0]) ** 2 + (m[1] - me[1]) ** 2 + (m[2] - me[2]) ** 2;
        if (d < bd) {
          bd = d;
          best = t;
        }
        if (!lab) break;
      }
      if (!lab && best >= 0) break;
    }
    if (best >= 0) parent[root(c)] = best;
  }
  const num = new Int32Array(k).fill(-1),
    labels = new Int32Array(n);
  let count = 0;
  for (let p = 0; p < n; p++) {
    const r = root(comp[p]);
    if (num[r] < 0) num[r] = count++;
    labels[p] = num[r];
  }
  return { width: W, height: H, labels, count };
}
