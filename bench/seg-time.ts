// Refinement and SLIC cost per megapixel, on one synthetic 1152×864 scene (three noisy shapes on a striped
// background) with a DINOv3-sized 28×37 patch map voted from its truth: medians over repeats after a
// warm-up, one thread (both run on the main thread of a browser or of the server).
import { polygonsToMask } from '../server/masks.ts';
import { oracleMap } from '../scripts/simulate/seg-metrics.ts';
import { mulberry32 } from '../trainer/rng.ts';
import { refineMap, type RefineOptions } from '../common/seg/refine.ts';
import { slic } from '../web/src/seg/superpixels.ts';
import { paintScribbles } from '../scripts/simulate/painter.ts';
import { median, round } from './util.ts';

export function syntheticScene(W: number, H: number, seed = 1) {
  const rand = mulberry32(seed),
    truth = new Uint8Array(W * H),
    rgb = new Uint8Array(W * H * 3);
  const shapes = [
    [0.3, 0.35, 0.2, 1],
    [0.7, 0.6, 0.25, 2],
    [0.45, 0.75, 0.15, 3],
  ] as const;
  for (const [cx, cy, r, k] of shapes) {
    const poly: number[] = [];
    const n = k === 1 ? 48 : k === 2 ? 4 : 3;
    for (let i = 0; i < n; i++) {
      const a = 0.3 + (i * 2 * Math.PI) / n;
      poly.push(W * cx + H * r * Math.cos(a), H * cy + H * r * Math.sin(a));
    }
    const m = polygonsToMask([poly], W, H);
    for (let i = 0; i < m.length; i++) if (m[i]) truth[i] = k;
  }
  const colours = [
    [120, 120, 110],
    [200, 40, 40],
    [40, 170, 60],
    [50, 70, 210],
  ];
  for (let y = 0, i = 0; y < H; y++)
    for (let x = 0; x < W; x++, i++) {
      const stripe = truth[i] === 0 && Math.sin((x + y) / 9) > 0 ? 30 : 0;
      for (let c = 0; c < 3; c++)
        rgb[i * 3 + c] = Math.max(0, Math.min(255, colours[truth[i]][c] + stripe + (rand() - 0.5) * 40));
    }
  return { W, H, truth, rgb };
}

/** Wall and CPU milliseconds of one call. CPU time is what an idle core would take on a loaded machine
 *  (the work is single-threaded); wall time is what this machine took. */
function timed(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage(),
    t0 = performance.now();
  f();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

export async function timeRefine(o: { repeats?: number; opts?: RefineOptions } = {}) {
  const s = syntheticScene(1152, 864),
    mp = (s.W * s.H) / 1e6,
    K = 4;
  const guide = { data: s.rgb, width: s.W, height: s.H, channels: 3 };
  const reps = Math.max(1, o.repeats ?? 9);
  // DINOv3's grid at the trainer's 448 short side (stride 16), and MobileNetV2's (stride 32)
  const grids = [
    [28, 37],
    [14, 19],
  ].map(([gh, gw]) => {
    const map = oracleMap(s.truth, K, s.W, s.H, gh, gw);
    refineMap(map, K, gh, gw, guide, o.opts); // warm-up (JIT)
    const t = Array.from({ length: reps }, () => timed(() => refineMap(map, K, gh, gw, guide, o.opts)));
    return {
      grid: `${gh}×${gw}`,
      wallMsPerMp: round(median(t.map((x) => x.wall)) / mp, 1),
      cpuMsPerMp: round(median(t.map((x) => x.cpu)) / mp, 1),
    };
  });
  // with your strokes on the image (2 per region): the hints and their flood (hint-spread.ts) on the finer grid
  const hints = Uint8Array.from(paintScribbles(s.truth, s.W, s.H, { maxStrokes: 2, seed: 7 }).data, (v) =>
    v === 255 ? 0 : v + 1,
  );
  const hmap = oracleMap(s.truth, K, s.W, s.H, 28, 37);
  refineMap(hmap, K, 28, 37, guide, o.opts, hints);
  const th = Array.from({ length: reps }, () => timed(() => refineMap(hmap, K, 28, 37, guide, o.opts, hints)));
  const sl = Array.from({ length: Math.min(3, reps) }, () => timed(() => slic(guide)));
  return {
    megapixels: round(mp, 3),
    classes: K,
    grids,
    withStrokesMsPerMp: round(median(th.map((x) => x.cpu)) / mp, 1),
    refineMsPerMp: Math.max(...grids.map((g) => g.cpuMsPerMp)),
    refineWallMsPerMp: Math.max(...grids.map((g) => g.wallMsPerMp)),
    slicMsPerMp: round(median(sl.map((x) => x.cpu)) / mp, 1),
    slicWallMsPerMp: round(median(sl.map((x) => x.wall)) / mp, 1),
  };
}
