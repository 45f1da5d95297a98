// The few-label candidates of scripts/seg-context.ts: the region vote gives a half-ambiguous region one
// class and leaves the background and other regions alone; context tokens are box means.
import { describe, expect, it } from 'vitest';
import { contextTokens, regionVote } from '../scripts/seg-context.ts';

describe('regionVote', () => {
  it('gives a region whose patches disagree the class of its mean, keeping each patch background share', () => {
    // 2×4 grid, classes: 0 background, 1 circle, 2 star. Patches 0,1,4,5 form one region (two lean circle,
    // two lean star less); patch 3 is a separate one-patch region; 2, 6, 7 are background.
    const C = 3,
      h = 2,
      w = 4;
    const rows = [
      [0.1, 0.6, 0.3],
      [0.2, 0.5, 0.3],
      [0.9, 0.05, 0.05],
      [0.3, 0.2, 0.5],
      [0.1, 0.4, 0.5],
      [0.2, 0.35, 0.45],
      [0.8, 0.1, 0.1],
      [0.7, 0.2, 0.1],
    ];
    const probs = Float32Array.from(rows.flat());
    regionVote(probs, C, h, w, 0);
    const at = (p: number) => [...probs.subarray(p * C, p * C + C)].map((v) => +v.toFixed(4));
    // region mean: circle (0.6+0.5+0.4+0.35)/4 = 0.4625 > star (0.3+0.3+0.5+0.45)/4 = 0.3875
    expect(at(0)).toEqual([0.1, 0.9, 0]);
    expect(at(1)).toEqual([0.2, 0.8, 0]);
    expect(at(4)).toEqual([0.1, 0.9, 0]); // leaned star alone, now circle
    expect(at(5)).toEqual([0.2, 0.8, 0]);
    // the one-patch region keeps its own class (star); background patches are untouched
    expect(at(3)).toEqual([0.3, 0, 0.7]);
    expect(at(2)).toEqual([0.9, 0.05, 0.05]);
    expect(at(6)).toEqual([0.8, 0.1, 0.1]);
  });
});

describe('contextTokens', () => {
  it('appends the mean of each clipped box of tokens', () => {
    const h = 3,
      w = 3,
      d = 2;
    const data = Float32Array.from({ length: h * w * d }, (_, i) => (i % 2 ? -i : i));
    const out = contextTokens(data, h, w, d, [1]);
    expect(out.length).toBe(h * w * d * 2);
    const tok = (p: number) => [data[p * d], data[p * d + 1]];
    const mean = (ps: number[]) => [0, 1].map((k) => ps.reduce((a, p) => a + tok(p)[k], 0) / ps.length);
    const row = (p: number) => [...out.subarray(p * 2 * d, (p + 1) * 2 * d)];
    // corner (0,0): box over patches 0,1,3,4; centre: all nine
    expect(row(0)[0]).toBe(data[0]);
    expect(row(0).slice(2)).toEqual(mean([0, 1, 3, 4]).map((v) => expect.closeTo(v, 5)));
    expect(row(4).slice(0, 2)).toEqual(tok(4));
    expect(row(4).slice(2)).toEqual(mean([0, 1, 2, 3, 4, 5, 6, 7, 8]).map((v) => expect.closeTo(v, 5)));
  });
});
