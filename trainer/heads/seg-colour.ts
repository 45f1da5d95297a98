// Colour parts of a picture's pixel sets, so that regions come from the picture as well as from the patch map:
// a predicted shape region whose pixels fall into parts of clearly different colour (two touching shapes the
// map joined, a shape and a piece of background) is split into them, and the pixels the map calls background
// are cut into connected parts of one colour each (a shape the patch head missed, pieces of a textured
// background), which the crop head then names or rejects. Pure functions on RGB pixels.

/** A connected region of a picture. */
export interface Region {
  /** pixel indices (y * W + x) */
  pixels: Int32Array;
  /** bounding box, inclusive */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** the class index of the region's pixels in the map it was taken from (the first pixel's, for a
   *  foreground region) */
  cls: number;
}

/** how far apart (RGB, 0..255) two colour clusters' centres must be to split pixels between them */
export const COLOUR_SPLIT_DISTANCE = 45;
/** a split part keeps its own region when it holds at least this share of the region's pixels */
export const MIN_SPLIT_PART = 0.15;
/** at most this many levels of 2-way colour splits (up to 4 colours) */
const SPLIT_DEPTH = 2;
/** colours sampled per k-means fit */
const KMEANS_SAMPLE = 6000;

/** Two colour centres (RGB) of the pixels `px` by 2-means from the two farthest-apart colours. */
function twoColours(rgb: Uint8Array, px: ArrayLike<number>, iters = 12): Float64Array {
  const step = Math.max(1, Math.floor(px.length / KMEANS_SAMPLE)),
    n = Math.ceil(px.length / step),
    col = new Float64Array(n * 3);
  for (let i = 0, k = 0; k < n; i += step, k++) for (let c = 0; c < 3; c++) col[k * 3 + c] = rgb[px[i] * 3 + c];
  const d2 = (i: number, a: ArrayLike<number>, o = 0) =>
    (col[i * 3] - a[o]) ** 2 + (col[i * 3 + 1] - a[o + 1]) ** 2 + (col[i * 3 + 2] - a[o + 2]) ** 2;
  const farthest = (from: ArrayLike<number>) => {
    let best = 0,
      bd = -1;
    for (let i = 0; i < n; i++) {
      const d = d2(i, from);
      if (d > bd) {
        bd = d;
        best = i;
      }
    }
    return [col[best * 3], col[best * 3 + 1], col[best * 3 + 2]];
  };
  const mean = [0, 1, 2].map((c) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += col[i * 3 + c];
    return s / n;
  });
  const a = farthest(mean),
    ctr = Float64Array.from([...a, ...farthest(a)]);
  for (let it = 0; it < iters; it++) {
    const sum = new Float64Array(6),
      cnt = [0, 0];
    for (let i = 0; i < n; i++) {
      const j = d2(i, ctr, 0) <= d2(i, ctr, 3) ? 0 : 1;
      cnt[j]++;
      for (let c = 0; c < 3; c++) sum[j * 3 + c] += col[i * 3 + c];
    }
    for (let j = 0; j < 2; j++) if (cnt[j]) for (let c = 0; c < 3; c++) ctr[j * 3 + c] = sum[j * 3 + c] / cnt[j];
  }
  return ctr;
}

/** Colour label per pixel of `px` (into `lab`): recursive 2-way splits while the two centres are at least
 *  `minDist` apart, `depth` levels at most; each final cluster its own label (from `next.label`). */
function colourLabels(
  rgb: Uint8Array,
  px: Int32Array,
  lab: Int32Array,
  o: { minDist: number; depth: number },
  next = { label: 0 },
): void {
  const split = (): [Int32Array, Int32Array] | null => {
    if (o.depth <= 0 || px.length < 50) return null;
    const c = twoColours(rgb, px);
    if (Math.hypot(c[0] - c[3], c[1] - c[4], c[2] - c[5]) < o.minDist) return null;
    const a: number[] = [],
      b: number[] = [];
    for (const p of px) {
      const r = rgb[p * 3],
        g = rgb[p * 3 + 1],
        bl = rgb[p * 3 + 2];
      const da = (r - c[0]) ** 2 + (g - c[1]) ** 2 + (bl - c[2]) ** 2,
        db = (r - c[3]) ** 2 + (g - c[4]) ** 2 + (bl - c[5]) ** 2;
      (da <= db ? a : b).push(p);
    }
    return [Int32Array.from(a), Int32Array.from(b)];
  };
  const parts = split();
  if (!parts) {
    const l = next.label++;
    for (const p of px) lab[p] = l;
    return;
  }
  for (const part of parts) colourLabels(rgb, part, lab, { ...o, depth: o.depth - 1 }, next);
}

/** 4-connected components of `px` where `lab` is equal (pixels outside `px` must be -1 in `lab`). */
function components(px: Int32Array, lab: Int32Array, W: number, H: number): { comp: Int32Array; parts: number[][] } {
  const comp = new Int32Array(W * H).fill(-1),
    parts: number[][] = [];
  for (const s of px) {
    if (comp[s] >= 0) continue;
    const id = parts.length,
      list = [s],
      stack = [s];
    comp[s] = id;
    while (stack.length) {
      const p = stack.pop()!,
        x = p % W;
      const visit = (q: number) => {
        if (comp[q] < 0 && lab[q] === lab[s]) {
          comp[q] = id;
          list.push(q);
          stack.push(q);
        }
      };
      if (x > 0) visit(p - 1);
      if (x + 1 < W) visit(p + 1);
      if (p >= W) visit(p - W);
      if (p + W < W * H) visit(p + W);
    }
    parts.push(list);
  }
  return { comp, parts };
}

/** The region of these pixels (its bounding box computed), of class `cls`. */
export function regionOf(pixels: number[], W: number, cls: number): Region {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1;
  for (const p of pixels) {
    const x = p % W,
      y = (p - x) / W;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { pixels: Int32Array.from(pixels), x0, y0, x1, y1, cls };
}

/** A region split into its parts of clearly different colour: connected parts of one colour cluster holding at
 *  least `minPart` of the region each; the smaller pieces (anti-aliased edges, noise) join the part they border
 *  most. One region (the input) where the colours do not split so. */
export function colourSplit(
  rgb: Uint8Array,
  W: number,
  H: number,
  r: Region,
  o: { minDist?: number; minPart?: number } = {},
): Region[] {
  const minPart = o.minPart ?? MIN_SPLIT_PART,
    n = r.pixels.length;
  if (n < 200) return [r];
  const lab = new Int32Array(W * H).fill(-1);
  colourLabels(rgb, r.pixels, lab, { minDist: o.minDist ?? COLOUR_SPLIT_DISTANCE, depth: SPLIT_DEPTH });
  const { comp, parts } = components(r.pixels, lab, W, H);
  const owner = parts.map((l): number => (l.length >= minPart * n ? -2 : -1));
  const kept = owner.flatMap((o, i) => (o === -2 ? [i] : []));
  if (kept.length < 2) return [r];
  for (const i of kept) owner[i] = i;
  // each smaller piece joins the kept part it borders most, through pieces already joined
  for (let pass = 0, changed = true; changed && pass < 32; pass++) {
    changed = false;
    parts.forEach((l, i) => {
      if (owner[i] >= 0) return;
      const votes = new Map<number, number>();
      for (const p of l) {
        const x = p % W;
        for (const q of [x > 0 ? p - 1 : -1, x + 1 < W ? p + 1 : -1, p - W, p + W]) {
          if (q < 0 || q >= W * H || comp[q] < 0 || comp[q] === i) continue;
          const ow = owner[comp[q]];
          if (ow >= 0) votes.set(ow, (votes.get(ow) ?? 0) + 1);
        }
      }
      let best = -1,
        bv = 0;
      for (const [k, v] of votes)
        if (v > bv) {
          bv = v;
          best = k;
        }
      if (best >= 0) {
        owner[i] = best;
        changed = true;
      }
    });
  }
  const byOwner = new Map<number, number[]>();
  parts.forEach((l, i) => {
    const k = owner[i] >= 0 ? owner[i] : kept[0],
      list = byOwner.get(k);
    if (list) for (const p of l) list.push(p);
    else byOwner.set(k, [...l]);
  });
  return [...byOwner.values()].map((l) => regionOf(l, W, r.cls));
}

/** Connected parts of one colour of the pixel set `px` (e.g. the pixels a map calls background), after splitting
 *  its colours as colourSplit does; parts of `minArea`..`maxArea` pixels, largest first, `max` at most. Each
 *  part's `cls` is `cls`. */
export function colourParts(
  rgb: Uint8Array,
  W: number,
  H: number,
  px: Int32Array,
  o: { minArea: number; maxArea: number; max: number; cls?: number; minDist?: number },
): Region[] {
  if (!px.length) return [];
  const lab = new Int32Array(W * H).fill(-1);
  colourLabels(rgb, px, lab, { minDist: o.minDist ?? COLOUR_SPLIT_DISTANCE, depth: SPLIT_DEPTH });
  return components(px, lab, W, H)
    .parts.filter((l) => l.length >= o.minArea && l.length <= o.maxArea)
    .sort((a, b) => b.length - a.length)
    .slice(0, o.max)
    .map((l) => regionOf(l, W, o.cls ?? 0));
}
