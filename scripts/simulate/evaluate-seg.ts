// Segmentation scores on the held-out test set, at full resolution against the exact masks: the test
// metric is the mIoU of the maps refined to the image's edges (what Enter accepts); `upsampling` also
// scores nearest and bilinear upsampling of the same maps and the patch-grid oracle, with boundary F.
import sharp from 'sharp';
import { onBackground } from '../../common/image-background.ts';
import { fitSegmentation, IGNORE, maskToPatchLabels, predictMap } from '../../trainer/heads/segmentation.ts';
import type { LogRegModel } from '../../trainer/heads/logreg.ts';
import type { Trainer } from '../../trainer/trainer.ts';
import type { SegmentationTask } from '../../trainer/tasks/segmentation.ts';
import { refineMap } from '../../common/seg/refine.ts';
import { nameRegions } from '../../trainer/heads/seg-naming.ts';
import type { Dataset, Item } from './dataset.ts';
import type { Grid, Score, TestSet, Upsampling } from './test-set.ts';

export type { Score, Upsampling } from './test-set.ts';
import { bilinearArgmax, boundaryF, IouAcc, nearestArgmax, oracleMap } from './seg-metrics.ts';

type Method = 'nearest' | 'bilinear' | 'refined';

const seg = (t: Trainer) => t.impl as SegmentationTask | null;

/** The test images' pixels (RGB, upright), for the refinement. */
export async function testPixels(ds: Dataset): Promise<Uint8Array[]> {
  return Promise.all(
    ds.test.map(
      async (it) =>
        new Uint8Array(
          await onBackground(sharp(it.file, { autoOrient: true }))
            .toColourspace('srgb')
            .raw()
            .toBuffer(),
        ),
    ),
  );
}

export function segTestSet(
  ds: Dataset,
  grids: Grid[],
  pixels: Uint8Array[],
  columns: (t: Trainer, ids: number[]) => number[],
): TestSet {
  const K = ds.classNames.length;
  /** Full-resolution labels (dataset class index, −1 = a column the dataset does not know) of one map. */
  const labels = (k: number, map: Uint8Array, C: number, col: number[], how: Method): Int32Array => {
    const it = ds.test[k],
      g = grids[k],
      W = it.width,
      H = it.height;
    const idx =
      how === 'nearest'
        ? nearestArgmax(map, C, g.h, g.w, W, H)
        : how === 'bilinear'
          ? bilinearArgmax(map, C, g.h, g.w, W, H)
          : refineMap(map, C, g.h, g.w, { data: pixels[k], width: W, height: H, channels: 3 }).idx;
    return Int32Array.from(idx, (c) => col[c] ?? -1);
  };
  const score = (maps: Uint8Array[], C: number, col: number[], how: Method): Score => {
    const acc = new IouAcc(K);
    let f = 0;
    ds.test.forEach((it, k) => {
      const l = labels(k, maps[k], C, col, how);
      acc.add(l, it.mask!);
      f += boundaryF(l, it.mask!, it.width, it.height, 2);
    });
    return { miou: acc.mean(), boundaryF: f / ds.test.length };
  };
  const mapsOf = (m: LogRegModel) => grids.map((g) => predictMap(m, g.data, g.h, g.w).map);
  const ident = ds.classNames.map((_, i) => i);
  let oracle: Score | null = null;
  const oracleScore = () => {
    if (oracle) return oracle;
    const maps = ds.test.map((it, k) => oracleMap(it.mask!, K, it.width, it.height, grids[k].h, grids[k].w));
    // the better of the two plain upsamplings: the best any patch classifier gets without the image
    const n = score(maps, K, ident, 'nearest'),
      b = score(maps, K, ident, 'bilinear');
    return (oracle = n.miou >= b.miou ? n : b);
  };
  const live = (t: Trainer) => {
    const m = seg(t)?.model();
    if (!m || m.d !== grids[0].data.length / (grids[0].h * grids[0].w)) return null;
    return { m, col: columns(t, seg(t)!.classIds().slice(0, m.C)) };
  };
  // what the app shows and accepts: each shape region of the refined map named by the crop head
  const acceptedMaps = async (t: Trainer, m: NonNullable<ReturnType<typeof live>>['m']) => {
    const maps = mapsOf(m),
      namer = seg(t)?.regions.namer();
    if (namer)
      for (const [k, it] of ds.test.entries()) {
        const g = grids[k],
          guide = { data: pixels[k], width: it.width, height: it.height, channels: 3 as const };
        const refined = refineMap(maps[k], m.C, g.h, g.w, guide).idx;
        maps[k] = (await nameRegions(maps[k], m.C, g.h, g.w, refined, guide, namer)).map;
      }
    return maps;
  };
  return {
    n: grids.length,
    async evaluate(t) {
      const l = live(t);
      if (!l) return null;
      return score(await acceptedMaps(t, l.m), l.m.C, l.col, 'refined').miou;
    },
    async evaluateCold(t) {
      const task = seg(t),
        m = task?.model();
      if (!task || !m) return null;
      const train = await task.labelledImages('all');
      if (!train.length) return null;
      const r = fitSegmentation(train, m.d, m.C, { seed: 0 });
      return score(mapsOf(r.model), m.C, columns(t, task.classIds().slice(0, m.C)), 'refined').miou;
    },
    ceiling(t, truthOf) {
      const train = [];
      for (const img of t.images.values()) {
        const g = t.cache?.getGrid(img),
          it: Item | undefined = truthOf.get(img.id);
        if (!g || !it) continue;
        const labels = maskToPatchLabels(
          Uint8Array.from(it.mask!, (v) => v + 1),
          { imageWidth: it.width, imageHeight: it.height, gridWidth: g.w, gridHeight: g.h },
        );
        if (labels.some((v) => v !== IGNORE)) train.push({ features: g.data, labels });
      }
      if (!train.length) return null;
      const r = fitSegmentation(train, train[0].features.length / train[0].labels.length, K, { seed: 0 });
      return score(mapsOf(r.model), K, ident, 'refined').miou;
    },
    async upsampling(t) {
      const l = live(t);
      if (!l) return null;
      const maps = mapsOf(l.m);
      return {
        nearest: score(maps, l.m.C, l.col, 'nearest'),
        bilinear: score(maps, l.m.C, l.col, 'bilinear'),
        refined: score(maps, l.m.C, l.col, 'refined'),
        oracle: oracleScore(),
        accepted: score(await acceptedMaps(t, l.m), l.m.C, l.col, 'refined'),
      };
    },
  };
}
