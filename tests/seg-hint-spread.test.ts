// Your strokes reach their whole region (common/seg/hint-spread.ts): the seeded watershed floods from the
// painted cells up to the first colour step above tau, and the refinement then turns a region the model got
// wrong however far it reaches from the stroke — not across an edge.
import { describe, expect, it } from 'vitest';
import { spreadSeeds } from '../common/seg/hint-spread.ts';
import { refineMap } from '../common/seg/refine.ts';
import { mulberry32 } from '../trainer/rng.ts';

describe('spreadSeeds', () => {
  // 10×4 cells: columns 0–5 one colour, 6–9 another (a step of 0.3), with a little noise
  const lw = 10,
    lh = 4,
    n = lw * lh,
    r = mulberry32(3);
  const I = [0, 1, 2].map((k) =>
    Float32Array.from({ length: n }, (_, i) => (i % lw < 6 ? 0.3 : 0.3 + (k === 0 ? 0.3 : 0)) + (r() - 0.5) * 0.02),
  );
  it("floods the seed's region and stops at the edge", () => {
    const seed = new Int16Array(n).fill(-1);
    seed[lw + 1] = 2;
    const got = spreadSeeds(I, lw, lh, seed, 0.1);
    for (let i = 0; i < n; i++) expect(got[i]).toBe(i % lw < 6 ? 2 : -1);
  });
  it('gives each region to the seed inside it, and crosses the edge only when tau allows', () => {
    const seed = new Int16Array(n).fill(-1);
    seed[0] = 1;
    seed[n - 1] = 0;
    const got = spreadSeeds(I, lw, lh, seed, 0.1);
    for (let i = 0; i < n; i++) expect(got[i]).toBe(i % lw < 6 ? 1 : 0);
    const one = new Int16Array(n).fill(-1);
    one[0] = 1;
    expect([...spreadSeeds(I, lw, lh, one, 0.5)].every((v) => v === 1)).toBe(true);
  });
  it("stops at a soft edge (cells averaging across it halve each step) by the stroke's own colour", () => {
    // columns 0.3 → 0.4 → 0.5 → 0.6 in each channel: every step 0.17 (Euclidean), below tau 0.2; 0.52 end to end
    const I2 = [0, 1, 2].map(() =>
      Float32Array.from({ length: n }, (_, i) => 0.3 + 0.1 * Math.max(0, Math.min(3, (i % lw) - 3))),
    );
    const seed = new Int16Array(n).fill(-1);
    seed[0] = 1;
    expect([...spreadSeeds(I2, lw, lh, seed, 0.2)].every((v) => v === 1)).toBe(true); // steps alone: it leaks
    const got = spreadSeeds(I2, lw, lh, seed, 0.2, 0.2);
    for (let i = 0; i < n; i++) expect(got[i]).toBe(i % lw <= 4 ? 1 : -1); // colour within 0.2 of the stroke's
  });
});

describe('a stroke turns its whole region', () => {
  // 600×100: a wide region (x < 560) the model calls class 0 with 80 %, truth class 1; a strip beyond an
  // edge that really is class 0. One short stroke of class 1 at the far left of the wide region.
  const W = 600,
    H = 100,
    gw = 24,
    gh = 4,
    edge = 560,
    r = mulberry32(5);
  const img = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const c = x < edge ? [190, 70, 60] : [60, 120, 190],
        p = (y * W + x) * 3;
      for (let k = 0; k < 3; k++) img[p + k] = Math.round(c[k] + (r() - 0.5) * 30);
    }
  const map = new Uint8Array(2 * gh * gw);
  map.fill(204, 0, gh * gw);
  map.fill(51, gh * gw);
  const hints = new Uint8Array(W * H);
  for (let y = 40; y < 60; y++) for (let x = 10; x < 40; x++) hints[y * W + x] = 2;
  const g = { data: img, width: W, height: H, channels: 3 };
  const errors = (idx: Uint8Array) => {
    let e = 0;
    for (let p = 0; p < W * H; p++) if ((idx[p] === 1) !== p % W < edge) e++;
    return e / (W * H);
  };

  it("without the flood the far end of the region stays the model's (the window does not reach it)", () => {
    expect(errors(refineMap(map, 2, gh, gw, g, { spreadTau: 0 }, hints).idx)).toBeGreaterThan(0.2);
  });
  it("with it the whole region is the stroke's class up to its edge, and the strip beyond stays", () => {
    expect(errors(refineMap(map, 2, gh, gw, g, {}, hints).idx)).toBeLessThan(0.01);
  });
});
