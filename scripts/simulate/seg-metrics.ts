// Full-resolution segmentation scores against exact masks: mIoU accumulated over a test set (per-class
// intersection and union summed over images, then averaged over classes, as in PASCAL VOC), boundary
// F-score with a pixel tolerance (per image, then averaged, as in DAVIS), and the ways of taking a
// patch-grid prediction (or the ground truth voted to the grid) to full resolution.
import { upsampleArgmax } from '../../web/src/seg/overlay-math.ts';

/** the label counts a segmentation run is always scored at (besides every --every labels): the few-label curve */
export const FEW_LABELS = [2, 5, 10];

export class IouAcc {
  readonly inter: Float64Array;
  readonly union: Float64Array;
  constructor(readonly K: number) {
    this.inter = new Float64Array(K);
    this.union = new Float64Array(K);
  }
  /** pred and truth: class index per pixel (values ≥ K or < 0 in pred count as wrong) */
  add(pred: ArrayLike<number>, truth: ArrayLike<number>): void {
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i],
        p = pred[i];
      this.union[t]++;
      if (p === t) this.inter[t]++;
      else if (p >= 0 && p < this.K) this.union[p]++;
    }
  }
  perClass(): (number | null)[] {
    return [...this.union].map((u, c) => (u > 0 ? this.inter[c] / u : null));
  }
  mean(): number {
    const v = this.perClass().filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
  }
}

/** Pixels with a 4-neighbour of another class. */
export function boundaryOf(m: ArrayLike<number>, W: number, H: number): Uint8Array {
  const b = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x,
        v = m[i];
      if ((x + 1 < W && m[i + 1] !== v) || (y + 1 < H && m[i + W] !== v)) {
        b[i] = 1;
        if (x + 1 < W && m[i + 1] !== v) b[i + 1] = 1;
        if (y + 1 < H && m[i + W] !== v) b[i + W] = 1;
      }
    }
  return b;
}

/** Dilate a binary map by a disc of radius r (Euclidean). */
function dilate(b: Uint8Array, W: number, H: number, r: number): Uint8Array {
  const out = new Uint8Array(W * H),
    offs: [number, number][] = [];
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r) offs.push([dx, dy]);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (!b[y * W + x]) continue;
      for (const [dx, dy] of offs) {
        const u = x + dx,
          v = y + dy;
        if (u >= 0 && v >= 0 && u < W && v < H) out[v * W + u] = 1;
      }
    }
  return out;
}

/** Boundary F-score: precision = predicted boundary pixels within `tol` px of a true one, recall the
 *  converse. An image with no boundary in either counts as 1. */
export function boundaryF(pred: ArrayLike<number>, truth: ArrayLike<number>, W: number, H: number, tol = 2): number {
  const bp = boundaryOf(pred, W, H),
    bt = boundaryOf(truth, W, H);
  const dp = dilate(bp, W, H, tol),
    dt = dilate(bt, W, H, tol);
  let np = 0,
    nt = 0,
    hp = 0,
    ht = 0;
  for (let i = 0; i < W * H; i++) {
    if (bp[i]) {
      np++;
      if (dt[i]) hp++;
    }
    if (bt[i]) {
      nt++;
      if (dp[i]) ht++;
    }
  }
  if (!np && !nt) return 1;
  if (!np || !nt) return 0;
  const P = hp / np,
    R = ht / nt;
  return P + R > 0 ? (2 * P * R) / (P + R) : 0;
}

/** Nearest-patch upsampling of a [C, gh, gw] map's arg-max. */
export function nearestArgmax(map: Uint8Array, C: number, gh: number, gw: number, W: number, H: number): Uint8Array {
  const n = gh * gw,
    top = new Uint8Array(n),
    out = new Uint8Array(W * H);
  for (let p = 0; p < n; p++) {
    let b = 0;
    for (let c = 1; c < C; c++) if (map[c * n + p] > map[b * n + p]) b = c;
    top[p] = b;
  }
  for (let y = 0; y < H; y++) {
    const row = Math.min(gh - 1, Math.floor((y * gh) / H)) * gw;
    for (let x = 0; x < W; x++) out[y * W + x] = top[row + Math.min(gw - 1, Math.floor((x * gw) / W))];
  }
  return out;
}

export const bilinearArgmax = (map: Uint8Array, C: number, gh: number, gw: number, W: number, H: number) =>
  upsampleArgmax(map, C, gh, gw, W, H).idx;

/** The ground truth voted to the patch grid: per-patch class shares as a [K, gh, gw] uint8 map — what a
 *  perfect patch classifier would output. Its arg-max upsampled is the patch-grid oracle. */
export function oracleMap(truth: Uint8Array, K: number, W: number, H: number, gh: number, gw: number): Uint8Array {
  const n = gh * gw,
    cnt = new Float64Array(K * n),
    tot = new Float64Array(n);
  for (let y = 0; y < H; y++) {
    const row = Math.min(gh - 1, Math.floor((y * gh) / H)) * gw;
    for (let x = 0; x < W; x++) {
      const p = row + Math.min(gw - 1, Math.floor((x * gw) / W));
      cnt[truth[y * W + x] * n + p]++;
      tot[p]++;
    }
  }
  const out = new Uint8Array(K * n);
  for (let k = 0; k < K; k++)
    for (let p = 0; p < n; p++) out[k * n + p] = tot[p] ? Math.round((255 * cnt[k * n + p]) / tot[p]) : 0;
  return out;
}
