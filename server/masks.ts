// Masks: COCO run-length encoding (the pycocotools format, incl. its compressed counts string), polygon
// rasterising, and class-index PNGs (8-bit greyscale, pixel = class id, 0 = unlabelled).
// Binary masks here are row-major Uint8Array (0/1) of width*height; COCO RLE is column-major, size [h, w].
import sharp from 'sharp';

export interface Rle {
  size: [number, number];
  counts: number[] | string;
}
export interface ClassMask {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Runs of a binary mask in COCO (column-major) order, starting with a run of zeros (possibly 0 long). */
export function rleEncode(bin: Uint8Array, width: number, height: number): number[] {
  const counts: number[] = [];
  let prev = 0,
    run = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < width * height; i += width) {
      const v = bin[i] ? 1 : 0;
      if (v !== prev) {
        counts.push(run);
        run = 0;
        prev = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** Inverse of rleEncode; throws if the counts do not cover width*height exactly. */
export function rleDecode(counts: number[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  let pos = 0,
    v = 0;
  for (const n of counts) {
    if (n < 0 || pos + n > width * height) throw new Error('RLE counts exceed the mask size');
    if (v) for (let k = pos; k < pos + n; k++) out[(k % height) * width + Math.floor(k / height)] = 1;
    pos += n;
    v ^= 1;
  }
  if (pos !== width * height) throw new Error(`RLE covers ${pos} pixels, mask has ${width * height}`);
  return out;
}

/** pycocotools' rleToString: each count (minus the one two back, from the 3rd on) as 5-bit groups,
 * LSB first, 0x20 = more follows, 0x10 = sign of the last group, offset by ASCII 48. */
export function rleToString(counts: number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i] - (i > 2 ? counts[i - 2] : 0);
    for (let more = true; more;) {
      let c = x & 0x1f;
      x >>= 5; // arithmetic shift keeps the sign, as in the C code (counts < 2^31)
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

export function rleFromString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0,
      k = 0,
      more = true;
    while (more) {
      if (p >= s.length) throw new Error('truncated RLE string');
      const c = s.charCodeAt(p++) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Counts of an RLE in either form (uncompressed number[] or compressed string). */
export function rleCounts(rle: Rle): number[] {
  return typeof rle.counts === 'string' ? rleFromString(rle.counts) : rle.counts;
}

/** Fill COCO polygons ([x0,y0,x1,y1,...] in pixel coordinates, several = union) even-odd, sampling
 * pixel centres; this matches pycocotools for axis-aligned and diagonal edges (a 10×10 square = 100 px). */
export function polygonsToMask(polys: number[][], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const poly of polys) {
    const n = Math.floor(poly.length / 2);
    if (n < 3) continue;
    const xs: number[] = [];
    for (let y = 0; y < height; y++) {
      const yc = y + 0.5;
      xs.length = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const x0 = poly[2 * j],
          y0 = poly[2 * j + 1],
          x1 = poly[2 * i],
          y1 = poly[2 * i + 1];
        if (y0 <= yc !== y1 <= yc) xs.push(x0 + ((yc - y0) / (y1 - y0)) * (x1 - x0));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // pixel x is inside when its centre x+0.5 lies in [xa, xb)
        const from = Math.max(0, Math.ceil(xs[k] - 0.5)),
          to = Math.min(width, Math.ceil(xs[k + 1] - 0.5));
        out.fill(1, y * width + from, y * width + Math.max(from, to));
      }
    }
  }
  return out;
}

/** One COCO RLE per class present in a class-index mask (0 = unlabelled, not exported), in one
 * column-major pass: a change a→b ends a run of ones for a and a run of zeros for b. */
export function classMaskToRles(
  m: ClassMask,
): Map<number, { counts: number[]; area: number; bbox: [number, number, number, number] }> {
  const { data, width: w, height: h } = m;
  const st = new Map<
    number,
    { counts: number[]; last: number; area: number; x0: number; y0: number; x1: number; y1: number }
  >();
  let prev = 0,
    pos = 0;
  const get = (c: number) => {
    let s = st.get(c);
    if (!s) st.set(c, (s = { counts: [], last: 0, area: 0, x0: w, y0: h, x1: -1, y1: -1 }));
    return s;
  };
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++, pos++) {
      const v = data[y * w + x];
      if (v !== prev) {
        if (prev) {
          const a = get(prev);
          a.counts.push(pos - a.last);
          a.last = pos;
        }
        if (v) {
          const b = get(v);
          b.counts.push(pos - b.last);
          b.last = pos;
        }
        prev = v;
      }
      if (v) {
        const s = st.get(v)!;
        s.area++;
        if (x < s.x0) s.x0 = x;
        if (x > s.x1) s.x1 = x;
        if (y < s.y0) s.y0 = y;
        if (y > s.y1) s.y1 = y;
      }
    }
  }
  const out = new Map<number, { counts: number[]; area: number; bbox: [number, number, number, number] }>();
  for (const [c, s] of [...st].sort((a, b) => a[0] - b[0])) {
    s.counts.push(w * h - s.last); // close the open run (ones if c is last, else trailing zeros)
    out.set(c, { counts: s.counts, area: s.area, bbox: [s.x0, s.y0, s.x1 - s.x0 + 1, s.y1 - s.y0 + 1] });
  }
  return out;
}

/** 8-bit greyscale PNG of a class-index mask (class ids must be 1..255). */
export async function encodeClassMask(m: ClassMask): Promise<Buffer> {
  return sharp(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), {
    raw: { width: m.width, height: m.height, channels: 1 },
  })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** Decode a class-index PNG; sharp expands greyscale to 3 channels, so take channel 0. */
export async function decodeClassMask(png: Buffer): Promise<ClassMask> {
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}
