// The simulated painter: scribbles derived from a true class mask the way a person paints them — a few
// brush strokes per region, each a smooth wandering line through the region's interior, kept a margin
// away from the region's boundary (people do not paint right up to an edge they cannot see exactly).
// Regions are the 4-connected components of each class (the background included); tiny ones are left
// out. Deterministic for a seed.
import { rng } from '../make-mnist.ts';

export interface PainterOptions {
  /** at most this many strokes per region (large regions get more, small ones one) */
  maxStrokes?: number;
  /** brush radius in pixels (default 2 % of the short side, at least 2) */
  brush?: number;
  /** extra distance kept from the boundary, beyond the brush radius (default brush) */
  margin?: number;
  seed?: number;
}
export interface Scribbles {
  data: Uint8Array;
  strokes: number;
  regions: number;
  painted: number;
}

/** City-block distance (two-pass) to the nearest pixel of another value; the image border does not
 *  count as a boundary (a region may run off the picture). */
function distanceInside(mask: Uint8Array, W: number, H: number): Uint16Array {
  const INF = 65535,
    d = new Uint16Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x,
        v = mask[i];
      const edge =
        (x > 0 && mask[i - 1] !== v) ||
        (x < W - 1 && mask[i + 1] !== v) ||
        (y > 0 && mask[i - W] !== v) ||
        (y < H - 1 && mask[i + W] !== v);
      d[i] = edge ? 0 : INF;
    }
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (x > 0) d[i] = Math.min(d[i], d[i - 1] + 1);
      if (y > 0) d[i] = Math.min(d[i], d[i - W] + 1);
    }
  for (let y = H - 1; y >= 0; y--)
    for (let x = W - 1; x >= 0; x--) {
      const i = y * W + x;
      if (x < W - 1) d[i] = Math.min(d[i], d[i + 1] + 1);
      if (y < H - 1) d[i] = Math.min(d[i], d[i + W] + 1);
    }
  return d;
}

/** 4-connected components: component id per pixel and the pixel list of each. */
function components(mask: Uint8Array, W: number, H: number): { value: number; pixels: Int32Array }[] {
  const comp = new Int32Array(W * H).fill(-1);
  const out: { value: number; pixels: Int32Array }[] = [];
  const stack = new Int32Array(W * H);
  for (let s = 0; s < W * H; s++) {
    if (comp[s] >= 0) continue;
    const v = mask[s],
      id = out.length,
      px: number[] = [];
    let top = 0;
    stack[top++] = s;
    comp[s] = id;
    while (top) {
      const i = stack[--top],
        x = i % W;
      px.push(i);
      const nb = [x > 0 ? i - 1 : -1, x < W - 1 ? i + 1 : -1, i >= W ? i - W : -1, i + W < W * H ? i + W : -1];
      for (const j of nb)
        if (j >= 0 && comp[j] < 0 && mask[j] === v) {
          comp[j] = id;
          stack[top++] = j;
        }
    }
    out.push({ value: v, pixels: Int32Array.from(px) });
  }
  return out;
}

/** Scribbles for a class-index mask ([H, W], values = class index); returns them in the same index
 *  space with 255 = unpainted (the caller maps indices to session class ids, 0 = unlabelled there). */
export function paintScribbles(mask: Uint8Array, W: number, H: number, o: PainterOptions = {}): Scribbles {
  const rand = rng(o.seed ?? 1);
  const brush = o.brush ?? Math.max(2, Math.round(0.02 * Math.min(W, H)));
  const margin = o.margin ?? brush;
  const maxStrokes = o.maxStrokes ?? 2;
  const dist = distanceInside(mask, W, H);
  const out = new Uint8Array(W * H).fill(255);
  let strokes = 0,
    regions = 0,
    painted = 0;
  const disk = (cx: number, cy: number, v: number) => {
    for (let dy = -brush; dy <= brush; dy++)
      for (let dx = -brush; dx <= brush; dx++) {
        if (dx * dx + dy * dy > brush * brush) continue;
        const x = Math.round(cx) + dx,
          y = Math.round(cy) + dy;
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        const i = y * W + x;
        if (mask[i] !== v) continue; // never paint across the true boundary
        if (out[i] === 255) painted++;
        out[i] = v;
      }
  };
  for (const r of components(mask, W, H)) {
    // the interior a centre line may use: far enough from the boundary for the brush plus the margin
    let need = brush + margin;
    let deepest = 0;
    for (const i of r.pixels) deepest = Math.max(deepest, dist[i]);
    if (deepest < 2) continue; // a sliver: a person would not bother
    if (deepest < need) need = Math.max(1, Math.floor(deepest * 0.6)); // a small region: stay in its middle
    const interior = Array.from(r.pixels).filter((i) => dist[i] >= need);
    if (!interior.length) continue;
    regions++;
    const n = Math.min(maxStrokes, 1 + Math.floor(r.pixels.length / (0.15 * W * H)));
    const length = Math.min(0.45 * Math.max(W, H), Math.max(3 * brush, 0.9 * Math.sqrt(r.pixels.length)));
    const inside = (x: number, y: number) => {
      const xi = Math.round(x),
        yi = Math.round(y);
      return xi >= 0 && yi >= 0 && xi < W && yi < H && mask[yi * W + xi] === r.value && dist[yi * W + xi] >= need;
    };
    for (let s = 0; s < n; s++) {
      const start = interior[Math.floor(rand() * interior.length)];
      let x = start % W,
        y = Math.floor(start / W),
        a = rand() * 2 * Math.PI,
        walked = 0;
      disk(x, y, r.value);
      const step = Math.max(1, brush * 0.5);
      while (walked < length) {
        a += (rand() - 0.5) * 0.5; // a hand wanders a little
        let moved = false;
        for (const turn of [0, 0.4, -0.4, 0.8, -0.8, 1.3, -1.3, 1.9, -1.9]) {
          const nx = x + step * Math.cos(a + turn),
            ny = y + step * Math.sin(a + turn);
          if (inside(nx, ny)) {
            a += turn;
            x = nx;
            y = ny;
            moved = true;
            break;
          }
        }
        if (!moved) break;
        disk(x, y, r.value);
        walked += step;
      }
      strokes++;
    }
  }
  return { data: out, strokes, regions, painted };
}
