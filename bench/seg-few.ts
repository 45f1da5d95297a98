// Benchmark: segmentation from a few fully labelled scenes. Per scene style, the trainer's head is fitted on
// the dense masks of 2, 5 and 10 scenes (several draws of which scenes) and its maps, refined to the
// image's edges (what Enter accepts), are scored at full resolution on held-out test scenes against the
// patch-grid oracle (the truth voted to the grid, the better of nearest and bilinear upsampling). Also the
// time to predict one image (head, refinement, the regions and background parts named by the crop head: their
// crops embedded, the map refined again; the grids' embedding is apart). Styles: plain and textured (random
// shape colours: the class is the outline) and demo (one shape per picture), seed 29 (held out).
// Run alone: `npx tsx bench/seg-few.ts [--quick] [--styles plain,textured,demo] [--seed N]` prints JSON.
import { fitSegmentation, maskToPatchLabels, predictMap, type SegImage } from '../trainer/heads/segmentation.ts';
import {
  AUGMENTED_IMAGES,
  augmentedGrids,
  augmentedRows,
  colourCue,
  regionColours,
  type EmbedImages,
} from '../trainer/heads/seg-augment.ts';
import type { Grid } from '../trainer/features.ts';
import { refineMap } from '../common/seg/refine.ts';
import { bilinearArgmax, IouAcc, nearestArgmax, oracleMap } from '../scripts/simulate/seg-metrics.ts';
import { rng, shuffled } from '../scripts/make-mnist.ts';
import type { SimOptions } from '../scripts/simulate/options.ts';
import { loadSegData, type SegData, type SegScene } from './seg-data.ts';
import { createEmbedder } from '../trainer/embed.ts';
import {
  fitCropHead,
  labelledCrops,
  MIN_REGION_FRACTION,
  CROP_SIDE,
  REGION_CROP,
  type CropSample,
  type EmbedCrops,
} from '../trainer/heads/seg-regions.ts';
import { cropHeadNamer, nameRegions } from '../trainer/heads/seg-naming.ts';
import { benchScript, round } from './util.ts';

export const FEW_LABELS = [2, 5, 10];

export interface FewRow {
  style: string;
  seed: number;
  testScenes: number;
  oracle: number;
  /** per label count: mean refined mIoU over the draws, its ratio to the oracle, each draw's mIoU, and in how
   *  many draws colour told the labelled classes apart (no colour-swapped copies or views), and in how many the
   *  labelled scenes held every class (a class no labelled scene holds cannot be named) */
  curve: { labelled: number; miou: number; ratio: number; draws: number[]; colourKept: number; everyClass: number }[];
  /** head + refinement + naming the regions by their crops (embedding included) per image, ms (median over
   *  the test scenes of the last fit) */
  predictMs: number;
}

const refined = (s: SegScene, map: Uint8Array, C: number) =>
  refineMap(map, C, s.grid.h, s.grid.w, { data: s.rgb, width: s.width, height: s.height, channels: 3 }).idx;

/** The oracle: the truth voted to the grid, the better of nearest and bilinear upsampling. */
function oracleMiou(d: SegData): number {
  const K = d.classNames.length,
    n = new IouAcc(K),
    b = new IouAcc(K);
  for (const s of d.test) {
    const map = oracleMap(s.mask!, K, s.width, s.height, s.grid.h, s.grid.w);
    n.add(nearestArgmax(map, K, s.grid.h, s.grid.w, s.width, s.height), s.mask!);
    b.add(bilinearArgmax(map, K, s.grid.h, s.grid.w, s.width, s.height), s.mask!);
  }
  return Math.max(n.mean(), b.mean());
}

/** Pooled crop embeddings, each crop at its own side (what the trainer's embedCrops does). */
export async function cropEmbedder(
  backbone: string,
): Promise<{ embed: EmbedCrops; embedImages: EmbedImages; side: number; dispose: () => Promise<void> }> {
  const e = await createEmbedder({ backbone, device: 'cpu', offline: true });
  const embed: EmbedCrops = async (crops, side) => {
    const out: Float32Array[] = [];
    for (let s = 0; s < crops.length; s += 32)
      for (const emb of await e.embedBatch(
        crops.slice(s, s + 32).map((px) => e.prepareCrop(px, side)),
        'pooled',
      ))
        out.push(emb.pooled);
    return out;
  };
  // patch grids of encoded images (the augmented copies of labelled scenes), as the trainer's embedImages
  const embedImages: EmbedImages = async (bufs) => {
    const out = await e.embedBatch(await Promise.all(bufs.map((b) => e.prepare(b, 'grid'))), 'grid');
    return out.map(({ grid: g }) => ({ ...g!, d: g!.data.length / (g!.h * g!.w) }));
  };
  return { embed, embedImages, side: CROP_SIDE, dispose: () => e.dispose() };
}

/** The few-label curve of what the app accepts: the patch head's map, refined, each shape region named by the
 *  crop head (when `embed` is given and the labelled scenes have two shape classes), refined again. */
export async function fewLabelCurve(
  d: SegData,
  seed: number,
  labelCounts = FEW_LABELS,
  draws = 3,
  crops: { embed: EmbedCrops; embedImages?: EmbedImages; side: number } | null = null,
): Promise<FewRow> {
  const embed = crops?.embed ?? null;
  const K = d.classNames.length;
  const labels = d.train.map((s) =>
    maskToPatchLabels(
      Uint8Array.from(s.mask!, (v) => v + 1),
      { imageWidth: s.width, imageHeight: s.height, gridWidth: s.grid.w, gridHeight: s.grid.h },
    ),
  );
  const oracle = oracleMiou(d);
  const times: number[] = [];
  const crop = { ...REGION_CROP, side: crops?.side ?? CROP_SIDE };
  const samples = new Map<number, CropSample[]>();
  const samplesOf = async (i: number) => {
    const s = d.train[i];
    if (!samples.has(i)) samples.set(i, await labelledCrops(s.mask!, s.width, s.height, s.rgb, embed!, crop));
    return samples.get(i)!;
  };
  // the augmented copies' grids of each labelled scene (as the trainer adds them for its first labelled images)
  const copies = new Map<number, Grid[]>();
  const rowsOf = async (i: number, j: number, colour: boolean): Promise<SegImage[]> => {
    const s = d.train[i],
      own = { features: s.grid.data, labels: labels[i] };
    if (colour || !crops?.embedImages || j >= AUGMENTED_IMAGES) return [own];
    if (!copies.has(i)) copies.set(i, await augmentedGrids(s.rgb, s.width, s.height, crops.embedImages));
    return [own, ...augmentedRows(copies.get(i)!, labels[i], s.grid.h, s.grid.w)];
  };
  const minRegion = (s: SegScene) => Math.max(1, Math.round(MIN_REGION_FRACTION * s.width * s.height));
  const curve: FewRow['curve'] = [];
  for (const k of labelCounts.filter((k) => k <= d.train.length)) {
    {
      const miou: number[] = [],
        colourKept: boolean[] = [];
      let everyClass = 0;
      for (let r = 0; r < draws; r++) {
        const pick = shuffled([...d.train.keys()], rng(1000 + r * 17 + k)).slice(0, k);
        // as the trainer: colour-swapped copies and crop views only where colour does not tell the classes apart
        const cue = colourCue(
          pick.flatMap((i) => {
            const s = d.train[i];
            return regionColours(s.mask!, s.width, s.height, s.rgb, { minArea: minRegion(s) });
          }),
        );
        colourKept.push(cue.cue);
        const held = new Set(pick.flatMap((i) => [...new Set(d.train[i].mask!)]));
        if (d.classNames.every((_, c) => held.has(c))) everyClass++;
        const rows = (await Promise.all([...pick].sort((a, b) => a - b).map((i, j) => rowsOf(i, j, cue.cue)))).flat();
        const { model } = fitSegmentation(rows, d.train[0].grid.d, K, { seed: 0 });
        const head = embed
          ? fitCropHead((await Promise.all(pick.map(samplesOf))).flat(), K, { colour: cue.cue })
          : null;
        const acc = new IouAcc(K);
        times.length = 0;
        for (const s of d.test) {
          const t0 = performance.now();
          const map = predictMap(model, s.grid.data, s.grid.h, s.grid.w).map;
          let pred = refined(s, map, K);
          if (head) {
            const guide = { data: s.rgb, width: s.width, height: s.height };
            const named = await nameRegions(
              map,
              K,
              s.grid.h,
              s.grid.w,
              pred,
              guide,
              cropHeadNamer(head, embed!, { crop, minFraction: MIN_REGION_FRACTION }),
            );
            if (named.regions) pred = refined(s, named.map, K);
          }
          times.push(performance.now() - t0);
          acc.add(pred, s.mask!);
        }
        miou.push(acc.mean());
      }
      const m = miou.reduce((a, b) => a + b, 0) / miou.length;
      curve.push({
        labelled: k,
        miou: round(m, 4),
        ratio: round(m / oracle, 3),
        draws: miou.map((x) => round(x, 3)),
        colourKept: colourKept.filter(Boolean).length,
        everyClass,
      });
    }
  }
  times.sort((a, b) => a - b);
  return {
    style: d.style,
    seed,
    testScenes: d.test.length,
    oracle: round(oracle, 4),
    curve,
    predictMs: round(times[times.length >> 1] ?? 0, 1),
  };
}

export async function benchSegFew(
  o: { quick?: boolean; styles?: SimOptions['sceneStyle'][]; seed?: number; log?: (s: string) => void } = {},
) {
  // seed 29: the held-out draw of the styles for regions from colour and a crop head that knows the background
  // (seed 3 is what the candidates were compared on; seeds 7, 13, 21, 25, 31 and 37 held out earlier versions and variants)
  const seed = o.seed ?? 29;
  const rows: FewRow[] = [];
  let note = '';
  const crops = await cropEmbedder(o.quick ? 'tiny' : 'mobilenetv2-imagenet');
  for (const style of o.styles ?? (['plain', 'textured', 'demo'] as const)) {
    const d = await loadSegData({
      style,
      count: o.quick ? 16 : 120,
      seed,
      log: o.log,
      ...(o.quick ? { backbone: 'tiny', size: [160, 120] as [number, number] } : {}),
    });
    note = d.note;
    const r = await fewLabelCurve(d, seed, o.quick ? [2, 5] : FEW_LABELS, o.quick ? 1 : 3, crops);
    o.log?.(
      `${style} (seed ${seed}): oracle ${r.oracle}; ` +
        r.curve.map((c) => `${c.labelled} labelled ${c.miou} (${c.ratio}× oracle)`).join(', ') +
        `; ${r.predictMs} ms per image`,
    );
    rows.push(r);
  }
  await crops.dispose();
  return { name: 'seg-few' as const, backbone: note, rows };
}
export type SegFewResult = Awaited<ReturnType<typeof benchSegFew>>;

/** docs/segmentation.md's few-label table (between <!-- seg-few:start --> and <!-- seg-few:end -->). */
export function segFewMarkdown(r: SegFewResult, machine: string, date: string): string {
  const ks = [...new Set(r.rows.flatMap((x) => x.curve.map((c) => c.labelled)))];
  return [
    `Measured ${date} on ${machine}; backbone ${r.backbone.split(' (')[0].split(':')[0]}; dense masks of k scenes, mean of 3 draws; ${r.rows[0]?.testScenes ?? 0} test scenes per style. "Kept colour": draws whose labelled regions' colours told their classes apart (no colour-swapped copies or views).`,
    '',
    `| style | seed | oracle | ${ks.map((k) => `${k} labelled: mIoU (÷ oracle)`).join(' | ')} | draws that kept colour (${ks.join(' / ')}) | draws holding every class (${ks.join(' / ')}) | head, refine, crops per image |`,
    `|---|---:|---:|${ks.map(() => '---:').join('|')}|---:|---:|---:|`,
    ...r.rows.map(
      (x) =>
        `| ${x.style} | ${x.seed} | ${x.oracle.toFixed(3)} | ${ks
          .map((k) => {
            const c = x.curve.find((c) => c.labelled === k);
            return c ? `${c.miou.toFixed(3)} (**${c.ratio.toFixed(2)}×**)` : '–';
          })
          .join(' | ')} | ${ks.map((k) => x.curve.find((c) => c.labelled === k)?.colourKept ?? '–').join(' / ')} | ${ks
          .map((k) => x.curve.find((c) => c.labelled === k)?.everyClass ?? '–')
          .join(' / ')} | ${x.predictMs} ms |`,
    ),
  ].join('\n');
}

if (process.argv[1]?.endsWith('bench/seg-few.ts')) {
  const o = benchScript('bench/seg-few.ts', 'segmentation from a few labelled scenes (JSON on stdout)')
    .option('--quick', 'tiny backbone, 16 scenes')
    .option('--styles <list>', 'scene styles, comma-separated (plain, textured, coloured, demo)')
    .option('--seed <n>', 'scene seed (default 29: the held-out draw)')
    .parse()
    .opts<{ quick?: boolean; styles?: string; seed?: string }>();
  const r = await benchSegFew({
    quick: !!o.quick,
    styles: o.styles?.split(',') as SimOptions['sceneStyle'][] | undefined,
    seed: o.seed !== undefined ? Number(o.seed) : undefined,
    log: (s) => console.error(s),
  });
  console.log(JSON.stringify(r, null, 2));
}
