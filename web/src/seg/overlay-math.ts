// The predicted map, from the server's uint8 [C, h, w] probabilities to RGBA pixels: bilinear
// upsampling (half-pixel centres, like image resizers), arg-max, colouring by class colour, and an
// uncertainty heat-map (1 - margin between the top two classes). Pure: unit-tested under Node.
import type { Upsampled } from '../../../common/seg/upsampled.ts';

export type { Upsampled };

export type RGB = [number, number, number];

export function hexToRgb(hex: string): RGB {
  const m = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(hex.trim());
  if (!m) return [128, 128, 128];
  const h =
    m[1].length === 3
      ? m[1]
          .split('')
          .map((c) => c + c)
          .join('')
      : m[1];
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function encodeBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Source sample positions for one axis: index pair and weight of the second, per output pixel. */
function axis(n: number, out: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(out),
    i1 = new Int32Array(out),
    f = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let s = ((o + 0.5) * n) / out - 0.5;
    s = Math.max(0, Math.min(n - 1, s));
    const a = Math.floor(s);
    i0[o] = a;
    i1[o] = Math.min(n - 1, a + 1);
    f[o] = s - a;
  }
  return { i0, i1, f };
}

/** Bilinearly upsample every class plane of `map` ([C,h,w]) to W×H and keep arg-max, top-1 and margin. */
export function upsampleArgmax(map: Uint8Array, C: number, h: number, w: number, W: number, H: number): Upsampled {
  if (map.length < C * h * w) throw new Error(`map has ${map.length} bytes, expected ${C}×${h}×${w}`);
  const ax = axis(w, W),
    ay = axis(h, H);
  const idx = new Uint8Array(W * H),
    conf = new Uint8Array(W * H),
    margin = new Uint8Array(W * H);
  const plane = h * w;
  for (let y = 0; y < H; y++) {
    const r0 = ay.i0[y] * w,
      r1 = ay.i1[y] * w,
      fy = ay.f[y];
    for (let x = 0; x < W; x++) {
      const c0 = ax.i0[x],
        c1 = ax.i1[x],
        fx = ax.f[x];
      let b1 = -1,
        b2 = -1,
        bi = 0;
      for (let k = 0; k < C; k++) {
        const o = k * plane;
        const top = map[o + r0 + c0] + (map[o + r0 + c1] - map[o + r0 + c0]) * fx;
        const bot = map[o + r1 + c0] + (map[o + r1 + c1] - map[o + r1 + c0]) * fx;
        const v = top + (bot - top) * fy;
        if (v > b1) {
          b2 = b1;
          b1 = v;
          bi = k;
        } else if (v > b2) b2 = v;
      }
      const p = y * W + x;
      idx[p] = bi;
      conf[p] = Math.round(b1);
      margin[p] = Math.round(C > 1 ? b1 - Math.max(0, b2) : b1);
    }
  }
  return { width: W, height: H, idx, conf, margin };
}

/** Size to compute the overlay at: the image size, capped so a 24-MP photo stays interactive. */
export function overlaySize(W: number, H: number, max = 1024): { width: number; height: number } {
  const s = Math.min(1, max / Math.max(W, H));
  return { width: Math.max(1, Math.round(W * s)), height: Math.max(1, Math.round(H * s)) };
}

/** RGBA of the arg-max classes in their colours; alpha = opacity (the canvas composites it source-over). */
export function colorize(
  u: Upsampled,
  colors: RGB[],
  opacity: number,
  out = new Uint8ClampedArray(u.width * u.height * 4),
): Uint8ClampedArray {
  const a = Math.round(255 * Math.max(0, Math.min(1, opacity)));
  for (let p = 0; p < u.idx.length; p++) {
    const c = colors[u.idx[p]] ?? [128, 128, 128];
    const o = p * 4;
    out[o] = c[0];
    out[o + 1] = c[1];
    out[o + 2] = c[2];
    out[o + 3] = a;
  }
  return out;
}

/** Heat-map of uncertainty (1 - margin): clear where sure, yellow to red where the model hesitates. */
export function heatmap(u: Upsampled, out = new Uint8ClampedArray(u.width * u.height * 4)): Uint8ClampedArray {
  for (let p = 0; p < u.margin.length; p++) {
    const t = 1 - u.margin[p] / 255; // 0 sure … 1 unsure
    const o = p * 4;
    out[o] = 255;
    out[o + 1] = Math.round(230 * (1 - t));
    out[o + 2] = 0;
    out[o + 3] = Math.round(220 * t * t);
  }
  return out;
}

/** Source-over compositing of one RGBA pixel over an opaque RGB one (what canvas does per pixel). */
export function over(base: RGB, top: [number, number, number, number]): RGB {
  const a = top[3] / 255;
  return [0, 1, 2].map((i) => Math.round(top[i] * a + base[i] * (1 - a))) as RGB;
}

/** The arg-max as a class-index mask at W×H (accepting the prediction as the mask to correct). */
export function argmaxMask(u: Upsampled, classIds: number[]): Uint8Array {
  const m = new Uint8Array(u.idx.length);
  for (let p = 0; p < m.length; p++) m[p] = classIds[u.idx[p]] ?? 0;
  return m;
}

/** RGBA for a class-index mask (painted annotation) in class colours with a fixed alpha. */
export function maskRgba(
  mask: Uint8Array,
  colorOf: Map<number, RGB>,
  alpha: number,
  out: Uint8ClampedArray,
  rect?: { x0: number; y0: number; x1: number; y1: number },
  width = 0,
): void {
  const a = Math.round(255 * alpha);
  const paint = (p: number, o: number) => {
    const v = mask[p];
    const c = v ? colorOf.get(v) : undefined;
    if (!c) {
      out[o + 3] = 0;
      return;
    }
    out[o] = c[0];
    out[o + 1] = c[1];
    out[o + 2] = c[2];
    out[o + 3] = a;
  };
  if (!rect) {
    for (let p = 0; p < mask.length; p++) paint(p, p * 4);
    return;
  }
  const rw = rect.x1 - rect.x0;
  for (let y = rect.y0; y < rect.y1; y++)
    for (let x = rect.x0; x < rect.x1; x++) paint(y * width + x, ((y - rect.y0) * rw + (x - rect.x0)) * 4);
}
