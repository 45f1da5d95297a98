// Benchmark: from the patch grid to full-resolution masks. On generated scenes with exact masks,
// the same patch predictions of a real backbone's linear head are taken to full resolution by (a) nearest,
// (b) bilinear and (c) edge-aware refined upsampling, against (d) the patch-grid oracle (the truth voted to
// the grid — what a perfect patch classifier outputs — upsampled by the better of nearest and bilinear).
// Scores: full-resolution mIoU and boundary F (2 px). Two heads: one fitted on the scribbles of a few
// images (what an annotator has after a few minutes) and one on the dense masks of every train scene (the
// best a linear patch head gets). Also the time to refine one megapixel, median over repeats.
// Run alone: `npx tsx bench/seg-refine.ts [--quick]` prints JSON.
import { fitSegmentation, IGNORE, maskToPatchLabels, predictMap } from '../trainer/heads/segmentation.ts';
import { refineMap, type RefineOptions } from '../common/seg/refine.ts';
import { paintScribbles } from '../scripts/simulate/painter.ts';
import { bilinearArgmax, boundaryF, IouAcc, nearestArgmax, oracleMap } from '../scripts/simulate/seg-metrics.ts';
import { loadSegData, SEG_SHORT_SIDE, type SegData, type SegScene } from './seg-data.ts';
import { benchScript, round } from './util.ts';
import { segmentationSize } from '../trainer/preprocess.ts';
import { timeRefine } from './seg-time.ts';

export interface SegRefineRow {
  style: string;
  head: string;
  images: number;
  nearest: Score;
  bilinear: Score;
  refined: Score;
  oracle: Score;
  refinedOracle: Score;
  /** the grid of the predictions (h×w) and the oracle on a stride-32 grid of the same input, the grid
   *  MobileNetV2's tokens had before they moved to stride 16 (the bar the old table measured against) */
  grid: string;
  oracle32: Score;
  /** (e) what Enter gives once the annotator has scribbled on the test image itself (≤ 2 strokes per region):
   *  the strokes are refinement evidence and stay as painted */
  withStrokes: Score;
}
interface Score {
  miou: number;
  boundaryF: number;
}
type Method = (s: SegScene, map: Uint8Array, C: number) => Uint8Array;

const METHODS: Record<string, Method> = {
  nearest: (s, map, C) => nearestArgmax(map, C, s.grid.h, s.grid.w, s.width, s.height),
  bilinear: (s, map, C) => bilinearArgmax(map, C, s.grid.h, s.grid.w, s.width, s.height),
  refined: (s, map, C) =>
    refineMap(map, C, s.grid.h, s.grid.w, { data: s.rgb, width: s.width, height: s.height, channels: 3 }, refineOpts)
      .idx,
};
let refineOpts: RefineOptions = {};

function score(scenes: SegScene[], K: number, maps: Uint8Array[], method: Method): Score {
  const acc = new IouAcc(K),
    fs: number[] = [];
  scenes.forEach((s, i) => {
    const pred = method(s, maps[i], K);
    acc.add(pred, s.mask!);
    fs.push(boundaryF(pred, s.mask!, s.width, s.height, 2));
  });
  return { miou: round(acc.mean(), 4), boundaryF: round(fs.reduce((a, b) => a + b, 0) / fs.length, 4) };
}

/** Patch labels from scribbles (the simulated annotator's) or from the dense truth. */
function patchLabels(s: SegScene, dense: boolean, seed: number): Int32Array {
  const grid = { imageWidth: s.width, imageHeight: s.height, gridWidth: s.grid.w, gridHeight: s.grid.h };
  const m = dense
    ? Uint8Array.from(s.mask!, (v) => v + 1)
    : Uint8Array.from(paintScribbles(s.mask!, s.width, s.height, { maxStrokes: 2, seed }).data, (v) =>
        v === 255 ? 0 : v + 1,
      );
  return maskToPatchLabels(m, grid);
}

export function evaluateStyle(
  d: SegData,
  head: 'scribbles' | 'dense',
  scribbled = 20,
  opts?: RefineOptions,
): SegRefineRow {
  if (opts) refineOpts = opts;
  const K = d.classNames.length;
  const train = (head === 'dense' ? d.train : d.train.slice(0, scribbled))
    .map((s, i) => ({ features: s.grid.data, labels: patchLabels(s, head === 'dense', 11 + i) }))
    .filter((t) => t.labels.some((v) => v !== IGNORE));
  const { model } = fitSegmentation(train, d.train[0].grid.d, K, { seed: 0 });
  const maps = d.test.map((s) => predictMap(model, s.grid.data, s.grid.h, s.grid.w).map);
  const oracle = d.test.map((s) => oracleMap(s.mask!, K, s.width, s.height, s.grid.h, s.grid.w));
  const on = score(d.test, K, oracle, METHODS.nearest),
    ob = score(d.test, K, oracle, METHODS.bilinear);
  const g32 = (s: SegScene) =>
    segmentationSize(s.width, s.height, SEG_SHORT_SIDE, 32).map((v) => v / 32) as [number, number]; // [w, h]
  const oracle32 = d.test.map((s) => {
    const [w, h] = g32(s);
    return { map: oracleMap(s.mask!, K, s.width, s.height, h, w), h, w };
  });
  const o32 = (m: 'nearest' | 'bilinear') =>
    score(
      d.test,
      K,
      oracle32.map((o) => o.map),
      (s, map, C) => {
        const o = oracle32[d.test.indexOf(s)];
        return (m === 'nearest' ? nearestArgmax : bilinearArgmax)(map, C, o.h, o.w, s.width, s.height);
      },
    );
  const o32n = o32('nearest'),
    o32b = o32('bilinear');
  const strokes = d.test.map((s, i) =>
    Uint8Array.from(paintScribbles(s.mask!, s.width, s.height, { maxStrokes: 2, seed: 500 + i }).data, (v) =>
      v === 255 ? 0 : v + 1,
    ),
  );
  const withStrokes: Method = (s, map, C) => {
    const k = d.test.indexOf(s),
      hints = strokes[k];
    const r = refineMap(
      map,
      C,
      s.grid.h,
      s.grid.w,
      { data: s.rgb, width: s.width, height: s.height, channels: 3 },
      refineOpts,
      hints,
    ).idx;
    return Uint8Array.from(r, (v, p) => (hints[p] ? hints[p] - 1 : v));
  };
  return {
    style: d.style,
    head: head === 'dense' ? `dense masks of ${d.train.length} scenes` : `scribbles on ${scribbled} scenes`,
    images: d.test.length,
    nearest: score(d.test, K, maps, METHODS.nearest),
    bilinear: score(d.test, K, maps, METHODS.bilinear),
    refined: score(d.test, K, maps, METHODS.refined),
    grid: `${d.test[0].grid.h}×${d.test[0].grid.w}`,
    oracle32: o32n.miou >= o32b.miou ? o32n : o32b,
    oracle: on.miou >= ob.miou ? on : ob,
    refinedOracle: score(d.test, K, oracle, METHODS.refined),
    withStrokes: score(d.test, K, maps, withStrokes),
  };
}

export async function benchSegRefine(o: { quick?: boolean; log?: (s: string) => void; opts?: RefineOptions } = {}) {
  refineOpts = o.opts ?? {};
  // --quick is the CI format smoke: the random-weight tiny backbone on a few small scenes (no figures to quote)
  const count = o.quick ? 16 : 160;
  const rows: SegRefineRow[] = [];
  let note = '';
  for (const style of ['coloured', 'demo'] as const) {
    const d = await loadSegData({
      style,
      count,
      log: o.log,
      ...(o.quick ? { backbone: 'tiny', size: [160, 120] as [number, number] } : {}),
    });
    note = d.note;
    for (const head of ['scribbles', 'dense'] as const) {
      const r = evaluateStyle(d, head, o.quick ? 6 : 20);
      o.log?.(
        `${style} / ${r.head}: mIoU nearest ${r.nearest.miou} bilinear ${r.bilinear.miou} refined ${r.refined.miou} oracle ${r.oracle.miou} on ${r.grid}, stride-32 oracle ${r.oracle32.miou} (refined oracle ${r.refinedOracle.miou}; with the image's own strokes ${r.withStrokes.miou}); boundary F ${r.nearest.boundaryF} / ${r.bilinear.boundaryF} / ${r.refined.boundaryF} / ${r.oracle.boundaryF}`,
      );
      rows.push(r);
    }
  }
  const time = await timeRefine({ repeats: o.quick ? 3 : 9, opts: refineOpts });
  o.log?.(
    `refine: ${time.refineMsPerMp} ms CPU per MP (wall ${time.refineWallMsPerMp}); SLIC ${time.slicMsPerMp} ms CPU per MP`,
  );
  return { name: 'seg-refine' as const, backbone: note, rows, time };
}
export type SegRefineResult = Awaited<ReturnType<typeof benchSegRefine>>;

/** The grid's stride at the bench's input size (320×240 scenes at short side SEG_SHORT_SIDE). */
const stride = (r: SegRefineResult) => Math.round(SEG_SHORT_SIDE / Number(r.rows[0]?.grid.split('×')[0] ?? 1));

/** docs/segmentation.md's side-by-side table (between <!-- seg-refine:start --> and <!-- seg-refine:end -->). */
export function segRefineMarkdown(r: SegRefineResult, machine: string, date: string): string {
  const f = (s: Score) => `${s.miou.toFixed(3)} (${s.boundaryF.toFixed(2)})`;
  const sign = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(3);
  return [
    `Measured ${date} on ${machine}; backbone ${r.backbone.split(' (')[0].split(':')[0]}; held-out test scenes at 320×240, input short side ${SEG_SHORT_SIDE}, patch grid ${r.rows[0]?.grid ?? '?'} (stride ${stride(r)}).`,
    '',
    `| scenes | head | (a) nearest | (b) bilinear | (c) refined | (d) patch-grid oracle, ${r.rows[0]?.grid ?? ''} | refined − oracle | (d′) stride-32 oracle | refined − (d′) | (d″) the oracle refined | (e) refined + 2 strokes per region on the image |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.style === 'demo' ? 'demo (shape only, held out: not tuned on)' : 'coloured (tuned on)'} | ${x.head} | ${f(x.nearest)} | ${f(x.bilinear)} | **${f(x.refined)}** | ${f(x.oracle)} | ${sign(x.refined.miou - x.oracle.miou)} | ${f(x.oracle32)} | ${sign(x.refined.miou - x.oracle32.miou)} | ${f(x.refinedOracle)} | ${f(x.withStrokes)} |`,
    ),
    '',
    `Full-resolution mIoU over ${r.rows[0]?.images ?? 0} test scenes per style (boundary F at 2 px in brackets). Refinement cost: **${r.time.refineMsPerMp} ms per megapixel** ` +
      `(CPU time of one thread, median of repeats, ${r.time.grids.map((g) => `grid ${g.grid}: ${g.cpuMsPerMp} ms`).join(', ')}; with strokes on the image, grid 28×37: ${r.time.withStrokesMsPerMp} ms; wall time on this machine ${r.time.refineWallMsPerMp} ms); ` +
      `SLIC superpixels ${r.time.slicMsPerMp} ms per megapixel (computed once per image in a worker, at most 0.3 MP).`,
  ].join('\n');
}

if (process.argv[1]?.endsWith('bench/seg-refine.ts')) {
  const o = benchScript('bench/seg-refine.ts', 'segmentation upsampling and refinement (JSON on stdout)')
    .option('--quick', 'tiny sizes')
    .parse()
    .opts<{ quick?: boolean }>();
  const r = await benchSegRefine({ quick: !!o.quick, log: (s) => console.error(s) });
  console.log(JSON.stringify(r, null, 2));
}
