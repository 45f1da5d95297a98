// SLIC superpixels (web/src/seg/superpixels.ts): they stop at colour edges, each is one connected region,
// the count follows the requested size, and the result is the same every time.
import { describe, expect, it } from 'vitest';
import { connect, slic, slicSize } from '../web/src/seg/superpixels.ts';
import { mulberry32 } from '../trainer/rng.ts';

const W = 160,
  H = 120;
/** A green disc (r 30 at 70,60) and an orange square (110..150, 20..70) on a noisy grey-blue background. */
function scene(seed = 1) {
  const r = mulberry32(seed),
    rgb = new Uint8Array(W * H * 3),
    truth = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      truth[i] = (x - 70) ** 2 + (y - 60) ** 2 <= 900 ? 1 : x >= 110 && x < 150 && y >= 20 && y < 70 ? 2 : 0;
      const c = [
        [90, 100, 120],
        [40, 180, 60],
        [230, 140, 30],
      ][truth[i]];
      for (let k = 0; k < 3; k++) rgb[i * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k] + (r() - 0.5) * 24)));
    }
  return { rgb, truth };
}

function components(labels: Int32Array): Map<number, number> {
  const seen = new Uint8Array(W * H),
    comps = new Map<number, number>();
  for (let s = 0; s < W * H; s++) {
    if (seen[s]) continue;
    comps.set(labels[s], (comps.get(labels[s]) ?? 0) + 1);
    const st = [s];
    seen[s] = 1;
    while (st.length) {
      const p = st.pop()!,
        x = p % W;
      for (const q of [x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1, p - W, p + W])
        if (q >= 0 && q < W * H && !seen[q] && labels[q] === labels[p]) {
          seen[q] = 1;
          st.push(q);
        }
    }
  }
  return comps;
}

describe('slic', () => {
  const { rgb, truth } = scene();
  const sp = slic({ data: rgb, width: W, height: H, channels: 3 }, { size: 10 });

  it('never lets a superpixel straddle a colour edge', () => {
    // each superpixel's pixels: almost all of one true region (a pixel or two of antialiasing-free slack)
    const votes = new Map<number, number[]>();
    for (let i = 0; i < W * H; i++) {
      const v = votes.get(sp.labels[i]) ?? [0, 0, 0];
      v[truth[i]]++;
      votes.set(sp.labels[i], v);
    }
    let wrong = 0;
    for (const v of votes.values()) wrong += v.reduce((a, b) => a + b) - Math.max(...v);
    expect(wrong).toBeLessThanOrEqual(W * H * 0.002);
  });

  it('gives connected superpixels numbered 0..count-1, about (W/S)·(H/S) of them', () => {
    const comps = components(sp.labels);
    expect(comps.size).toBe(sp.count); // one component per label
    expect(Math.max(...sp.labels)).toBe(sp.count - 1);
    expect(Math.min(...sp.labels)).toBe(0);
    expect(sp.count).toBeGreaterThan(0.6 * (W / 10) * (H / 10));
    expect(sp.count).toBeLessThan(1.6 * (W / 10) * (H / 10));
  });

  it('is deterministic', () => {
    const again = slic({ data: rgb, width: W, height: H, channels: 3 }, { size: 10 });
    expect(Buffer.from(again.labels.buffer).equals(Buffer.from(sp.labels.buffer))).toBe(true);
  });

  it('sizes itself for about 1200 superpixels, never under 8 px', () => {
    expect(slicSize(320, 240)).toBe(8);
    expect(slicSize(1200, 1000)).toBe(32);
  });
});

describe('connect', () => {
  it('splits a label that forms two regions, and merges a fragment below the minimum size', () => {
    // label 0 on both sides of a wall of 1s; a lone 2 inside the right half
    const w = 5,
      h = 3,
      lab = Int32Array.from([0, 1, 0, 0, 0, 0, 1, 0, 2, 0, 0, 1, 0, 0, 0]);
    const out = connect(lab, w, h, 2);
    expect(out.count).toBe(3); // left 0s, the wall, right 0s (the 2 joined its neighbour)
    expect(out.labels[0]).not.toBe(out.labels[2]);
    expect(out.labels[8]).toBe(out.labels[7]);
  });
});
