import { describe, expect, it } from 'vitest';
import {
  classMaskToRles,
  decodeClassMask,
  encodeClassMask,
  polygonsToMask,
  rleCounts,
  rleDecode,
  rleEncode,
  rleFromString,
  rleToString,
} from '../server/masks.ts';

/** Row-major binary mask of size w×h with the given [x0,y0,x1,y1) rectangles set. */
function rects(
  w: number,
  h: number,
  on: [number, number, number, number][],
  off: [number, number, number, number][] = [],
) {
  const m = new Uint8Array(w * h);
  for (const [list, v] of [
    [on, 1],
    [off, 0],
  ] as const) {
    for (const [x0, y0, x1, y1] of list) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = v;
  }
  return m;
}

describe('COCO RLE', () => {
  // Reference values computed with pycocotools 2.0 (mask.encode on a Fortran-ordered uint8 array):
  // a 6×8 mask with pixel (0,0), rows 1–3 × cols 2–5 and pixel (7,5) set → b'01<2G00000:N', area 14.
  const small = (() => {
    const m = rects(8, 6, [[2, 1, 6, 4]]);
    m[0] = 1;
    m[5 * 8 + 7] = 1;
    return m;
  })();

  it('encodes column-major runs starting with zeros, matching pycocotools', () => {
    const counts = rleEncode(small, 8, 6);
    expect(counts[0]).toBe(0); // first pixel is set: an empty leading run of zeros
    expect(counts.reduce((a, b) => a + b, 0)).toBe(48);
    expect(rleToString(counts)).toBe('01<2G00000:N');
  });

  it('decodes the compressed string back to the same pixels', () => {
    const counts = rleFromString('01<2G00000:N');
    expect(Array.from(rleDecode(counts, 8, 6))).toEqual(Array.from(small));
  });

  it('round-trips a larger mask whose counts need several characters and negative deltas', () => {
    // pycocotools: 100×120, rows 10–89 × cols 5–114 set with a hole rows 40–59 × cols 50–69 → area 8400,
    // compressed string 267 characters long starting 'n?`2d0' and ending 'Z?'.
    const m = rects(120, 100, [[5, 10, 115, 90]], [[50, 40, 70, 60]]);
    const s = rleToString(rleEncode(m, 120, 100));
    expect(s.length).toBe(267);
    expect(s.startsWith('n?`2d0')).toBe(true);
    expect(s.endsWith('Z?')).toBe(true);
    expect(s).toContain('^N'); // a negative delta (the hole's run is shorter than the one two back)
    const back = rleDecode(rleFromString(s), 120, 100);
    expect(back.reduce((a, b) => a + b, 0)).toBe(8400);
    expect(Array.from(back)).toEqual(Array.from(m));
  });

  it('accepts uncompressed counts and rejects counts that do not cover the mask', () => {
    expect(Array.from(rleDecode(rleCounts({ size: [2, 3], counts: [2, 3, 1] }), 3, 2))).toEqual([0, 1, 1, 0, 1, 0]);
    expect(() => rleDecode([2, 3], 3, 2)).toThrow();
    expect(() => rleDecode([4, 5], 3, 2)).toThrow();
  });

  it('round-trips random masks through the string form', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 20; k++) {
      const w = 1 + Math.floor(rand() * 40),
        h = 1 + Math.floor(rand() * 40);
      const m = new Uint8Array(w * h).map(() => (rand() < 0.3 ? 1 : 0));
      expect(Array.from(rleDecode(rleFromString(rleToString(rleEncode(m, w, h))), w, h))).toEqual(Array.from(m));
    }
  });
});

describe('polygons', () => {
  it('fills a 10×10 square with exactly 100 pixels (pycocotools gives 100 too)', () => {
    const m = polygonsToMask([[10, 10, 20, 10, 20, 20, 10, 20]], 30, 30);
    expect(m.reduce((a, b) => a + b, 0)).toBe(100);
    expect(m[10 * 30 + 10]).toBe(1);
    expect(m[19 * 30 + 19]).toBe(1);
    expect(m[20 * 30 + 20]).toBe(0);
  });

  it('fills a right triangle like pycocotools (45 pixels) and unions several polygons', () => {
    expect(polygonsToMask([[0, 0, 10, 0, 0, 10]], 12, 12).reduce((a, b) => a + b, 0)).toBe(45);
    const two = polygonsToMask(
      [
        [0, 0, 4, 0, 4, 4, 0, 4],
        [2, 2, 6, 2, 6, 6, 2, 6],
      ],
      8,
      8,
    );
    expect(two.reduce((a, b) => a + b, 0)).toBe(16 + 16 - 4);
  });

  it('clips to the image', () => {
    expect(polygonsToMask([[-5, -5, 5, -5, 5, 5, -5, 5]], 10, 10).reduce((a, b) => a + b, 0)).toBe(25);
  });
});

describe('class-index masks', () => {
  it('PNG encode/decode is lossless and per-class RLEs decode back to each class', async () => {
    const w = 13,
      h = 7;
    const data = new Uint8Array(w * h).map((_, i) => [0, 1, 2, 5, 255][(i * 7 + (i >> 3)) % 5]);
    const png = await encodeClassMask({ data, width: w, height: h });
    const back = await decodeClassMask(png);
    expect([back.width, back.height]).toEqual([w, h]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    const rles = classMaskToRles(back);
    expect([...rles.keys()]).toEqual([1, 2, 5, 255]);
    for (const [c, r] of rles) {
      const bin = rleDecode(r.counts, w, h);
      expect(Array.from(bin)).toEqual(Array.from(data).map((v) => (v === c ? 1 : 0)));
      expect(r.counts).toEqual(rleEncode(bin, w, h));
      expect(r.area).toBe(bin.reduce((a, b) => a + b, 0));
    }
  });

  it('gives the bbox of each class as [x, y, w, h]', () => {
    const data = rects(10, 8, [[2, 3, 5, 7]]);
    expect(classMaskToRles({ data, width: 10, height: 8 }).get(1)!.bbox).toEqual([2, 3, 3, 4]);
  });
});
