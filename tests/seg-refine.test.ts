// Edge-aware refinement (common/seg/refine.ts): a step edge the patch grid cannot place is recovered
// within 2 px, flat images keep the model's map, and the per-cell shortcut never changes a pixel.
import { describe, expect, it } from 'vitest';
import { refineMap } from '../common/seg/refine.ts';
import { upsampleArgmax } from '../web/src/seg/overlay-math.ts';
import { boxMean } from '../common/seg/box.ts';
import { hintsFrom } from '../common/seg/hints.ts';
import { mulberry32 } from '../trainer/rng.ts';

const W = 200,
  H = 100,
  gw = 8,
  gh = 4; // 25 px patches

/** Two colours either side of x = edge, with noise; `channels` 3 or 4. */
function stepImage(edge: number, a: number[], b: number[], noise = 10, channels = 3, seed = 1): Uint8Array {
  const r = mulberry32(seed),
    out = new Uint8Array(W * H * channels);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const c = x < edge ? a : b,
        p = (y * W + x) * channels;
      for (let k = 0; k < 3; k++) out[p + k] = Math.max(0, Math.min(255, Math.round(c[k] + (r() - 0.5) * 2 * noise)));
      if (channels === 4) out[p + 3] = 255;
    }
  return out;
}
/** A 2-class [2, gh, gw] map: class 0 left of column `split` (in patches, may be fractional: a mixed patch). */
function stepMap(split: number, sure = 230): Uint8Array {
  const m = new Uint8Array(2 * gh * gw);
  for (let y = 0; y < gh; y++)
    for (let x = 0; x < gw; x++) {
      const left = Math.max(0, Math.min(1, split - x)); // share of the patch left of the split
      const p0 = Math.round(left * sure + (1 - left) * (255 - sure));
      m[y * gw + x] = p0;
      m[gh * gw + y * gw + x] = 255 - p0;
    }
  return m;
}
/** Per row, the first column labelled 1 (where the refined boundary is). */
const boundaryCols = (idx: Uint8Array) =>
  Array.from({ length: H }, (_, y) => {
    for (let x = 0; x < W; x++) if (idx[y * W + x] === 1) return x;
    return W;
  });

describe('refineMap', () => {
  it('puts a step edge within 2 px of the image edge when the grid cannot (edge mid-patch)', () => {
    const edge = 113; // 4.52 patches: inside patch 4
    const img = stepImage(edge, [200, 60, 50], [60, 110, 190]);
    const map = stepMap(edge / 25);
    const got = boundaryCols(refineMap(map, 2, gh, gw, { data: img, width: W, height: H, channels: 3 }).idx);
    for (const x of got) expect(Math.abs(x - edge)).toBeLessThanOrEqual(2);
  });

  it('moves a boundary the model misplaced by a whole patch onto the edge', () => {
    const edge = 88; // the model says 4 patches (x = 100): 12 px off
    const img = stepImage(edge, [40, 40, 40], [220, 220, 200], 12);
    const map = stepMap(4);
    const bil = boundaryCols(upsampleArgmax(map, 2, gh, gw, W, H).idx);
    expect(Math.abs(bil[50] - edge)).toBeGreaterThan(8); // what plain upsampling gives
    const got = boundaryCols(refineMap(map, 2, gh, gw, { data: img, width: W, height: H, channels: 3 }).idx);
    for (const x of got) expect(Math.abs(x - edge)).toBeLessThanOrEqual(2);
  });

  it('keeps the model map where the image is flat (no edge to follow)', () => {
    const img = stepImage(W, [128, 128, 128], [0, 0, 0], 0);
    const map = stepMap(3.5);
    // a window narrower than this 8-patch-wide grid (the default radius, 6 patches, is meant for the trainer's
    // grids of 28 patches and more; here it would span the whole picture)
    const refined = refineMap(map, 2, gh, gw, { data: img, width: W, height: H, channels: 3 }, { radius: 2 });
    // with no colour variation the filter is a box mean of the probabilities: the 50 % line stays near 3.5
    // patches (windows clipped at the image border shift it a little), not snapped anywhere
    const bil = boundaryCols(upsampleArgmax(map, 2, gh, gw, W, H).idx);
    expect(Math.abs(bil[0] - 87.5)).toBeLessThanOrEqual(1);
    for (const x of boundaryCols(refined.idx)) expect(Math.abs(x - bil[0])).toBeLessThanOrEqual(6);
  });

  it('takes RGBA (a canvas) exactly as RGB (sharp)', () => {
    const rgb = stepImage(120, [10, 200, 30], [200, 20, 220], 8, 3, 4),
      rgba = stepImage(120, [10, 200, 30], [200, 20, 220], 8, 4, 4);
    const map = stepMap(4.2);
    const a = refineMap(map, 2, gh, gw, { data: rgb, width: W, height: H, channels: 3 });
    const b = refineMap(map, 2, gh, gw, { data: rgba, width: W, height: H, channels: 4 });
    expect(Buffer.from(b.idx).equals(Buffer.from(a.idx))).toBe(true);
  });

  it('decides whole cells only where the per-pixel evaluation agrees everywhere (random images and maps)', () => {
    const r = mulberry32(7);
    for (let t = 0; t < 6; t++) {
      const C = 2 + (t % 3),
        img = new Uint8Array(W * H * 3),
        map = new Uint8Array(C * gh * gw);
      // blocky colour regions with noise, and a random smooth-ish map
      const blocks = Array.from({ length: 12 }, () => [r() * 255, r() * 255, r() * 255]);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const c = blocks[(Math.floor(x / 37) + 5 * Math.floor(y / 29)) % 12];
          for (let k = 0; k < 3; k++)
            img[(y * W + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k] + (r() - 0.5) * 30)));
        }
      for (let p = 0; p < gh * gw; p++) {
        const v = Array.from({ length: C }, () => r() ** 3);
        const s = v.reduce((a, b) => a + b);
        v.forEach((x, k) => (map[k * gh * gw + p] = Math.round((255 * x) / s)));
      }
      const g = { data: img, width: W, height: H, channels: 3 };
      const fast = refineMap(map, C, gh, gw, g),
        slow = refineMap(map, C, gh, gw, g, { exhaustive: true });
      let diff = 0;
      for (let i = 0; i < W * H; i++) if (fast.idx[i] !== slow.idx[i]) diff++;
      expect(diff).toBe(0);
    }
  });

  it('refuses a map or a guide of the wrong size', () => {
    expect(() =>
      refineMap(new Uint8Array(5), 2, gh, gw, { data: new Uint8Array(W * H * 3), width: W, height: H, channels: 3 }),
    ).toThrow(/map has 5 bytes/);
    expect(() =>
      refineMap(stepMap(4), 2, gh, gw, { data: new Uint8Array(10), width: W, height: H, channels: 3 }),
    ).toThrow(/guide has 10 bytes/);
  });
});

describe('your strokes as evidence (hints)', () => {
  it("a stroke on a region the model leans wrong on carries to the region's colour around it", () => {
    const edge = 100,
      img = stepImage(edge, [200, 60, 50], [60, 110, 190]);
    // the model: class 0 everywhere, 60/40 — it misses the right-hand region
    const map = new Uint8Array(2 * gh * gw);
    map.fill(153, 0, gh * gw);
    map.fill(102, gh * gw);
    const g = { data: img, width: W, height: H, channels: 3 };
    expect(refineMap(map, 2, gh, gw, g).idx.every((v) => v === 0)).toBe(true);
    // one horizontal stroke of class 1 (hint value 2) in the right region
    const hints = new Uint8Array(W * H);
    for (let y = 44; y < 56; y++) for (let x = 120; x < 180; x++) hints[y * W + x] = 2; // a 12 px brush
    const r = refineMap(map, 2, gh, gw, g, {}, hints).idx;
    let wrong = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((r[y * W + x] === 1) !== x >= edge) wrong++;
    expect(wrong / (W * H)).toBeLessThan(0.02); // the whole right region, up to the edge
  });

  it("hintsFrom maps your class ids to the map's columns at the refined size", () => {
    const mask = Uint8Array.from([0, 7, 7, 9]); // 4×1, class ids
    expect([...hintsFrom(mask, 4, 1, [9, 7], 2, 1)!]).toEqual([2, 1]); // nearest: pixels 1 and 3
    expect([...hintsFrom(mask, 4, 1, [9, 7], 4, 1)!]).toEqual([0, 2, 2, 1]);
    expect(hintsFrom(new Uint8Array(4), 4, 1, [9, 7], 4, 1)).toBeNull();
  });
});

describe('boxMean', () => {
  it('averages the clipped window at borders', () => {
    const src = Float32Array.from([1, 2, 3, 4, 5, 6], (v) => v); // 3×2
    const m = boxMean(src, 3, 2, 1);
    expect(m[0]).toBeCloseTo((1 + 2 + 4 + 5) / 4);
    expect(m[1]).toBeCloseTo((1 + 2 + 3 + 4 + 5 + 6) / 6);
  });
});
