// Naming the regions of a predicted segmentation map: each shape region of the refined map (split by colour)
// gets the class the crop head gives its crop, and parts of one colour of the predicted background that the crop
// head surely names a shape become that shape. Pure functions on pixels and maps; the namer embeds the crops.

import { refineMap } from '../../common/seg/refine.ts';
import { predictProba, type LogRegModel } from './logreg.ts';
import { colourParts, colourSplit, type Region } from './seg-colour.ts';
import { cropPixels, proposalArea, regionsOf, type CropOptions, type EmbedCrops } from './seg-regions.ts';

/** Class per region: the crop head's, optionally mixed with the patch head's mean probability over the
 *  region (`patchMean[k]`: [C] per region; weight `mix` on its log, renormalised over the crop head's classes).
 *  `own` (each region's class in the map): a region whose own class the crop head has no labelled region of
 *  keeps it (the crop head cannot name what it has not seen). */
export function regionClasses(
  head: { model: LogRegModel; classes: number[] },
  feats: Float32Array[],
  o: { patchMean?: Float32Array[]; mix?: number; own?: number[] } = {},
): number[] {
  return pickClasses(
    head.classes,
    feats.map((f) => predictProba(head.model, f, 1)),
    o,
  );
}

/** regionClasses from the crop head's probabilities (`probs[k]` over `classes`, one row per region). */
export function pickClasses(
  classes: number[],
  probs: ArrayLike<number>[],
  o: { patchMean?: Float32Array[]; mix?: number; own?: number[] } = {},
): number[] {
  const K = classes.length,
    mix = o.mix ?? 0;
  return probs.map((p, k) => {
    if (o.own && !classes.includes(o.own[k])) return o.own[k];
    let best = 0,
      bestScore = -Infinity,
      tot = 0;
    if (o.patchMean && mix > 0) for (const c of classes) tot += o.patchMean[k][c];
    for (let i = 0; i < K; i++) {
      let s = Math.log(Math.max(1e-6, p[i]));
      if (o.patchMean && mix > 0) s += mix * Math.log(Math.max(1e-6, o.patchMean[k][classes[i]] / Math.max(1e-9, tot)));
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    return classes[best];
  });
}

/** Give each region's class to the patches of a quantised [C, gh, gw] map (in place) that the region covers
 *  most (of the region pixels in the patch): the patch's non-background probability all goes to that class,
 *  its background probability stays, so the refined outline stays the map's. A region named background
 *  (class 0), and every region with `whole`, takes only the patches it covers at least half of, and all their
 *  probability. Returns the map. */
export function relabelGrid(
  map: Uint8Array,
  C: number,
  gh: number,
  gw: number,
  W: number,
  H: number,
  regions: Region[],
  classes: number[],
  o: { whole?: boolean } = {},
): Uint8Array {
  const n = gh * gw,
    best = new Int32Array(n).fill(-1),
    bestCount = new Int32Array(n),
    count = new Int32Array(n),
    half = (W * H) / n / 2;
  regions.forEach((r, k) => {
    const touched: number[] = [];
    for (const p of r.pixels) {
      const x = p % W,
        y = (p - x) / W;
      const q = Math.min(gh - 1, Math.floor((y * gh) / H)) * gw + Math.min(gw - 1, Math.floor((x * gw) / W));
      if (!count[q]++) touched.push(q);
    }
    for (const q of touched) {
      if (count[q] > bestCount[q]) {
        bestCount[q] = count[q];
        best[q] = k;
      }
      count[q] = 0;
    }
  });
  for (let q = 0; q < n; q++) {
    if (best[q] < 0) continue;
    const cls = classes[best[q]];
    if (o.whole || cls === 0) {
      if (bestCount[q] < half) continue;
      for (let c = 0; c < C; c++) map[c * n + q] = c === cls ? 255 : 0;
      continue;
    }
    const fg = 255 - map[q];
    for (let c = 1; c < C; c++) map[c * n + q] = c === cls ? fg : 0;
  }
  return map;
}

export interface RegionNamer {
  /** segmentation class index of each column of what `probs` gives */
  classes: number[];
  /** class probabilities (over `classes`) of each region's crop, [side, side, 3] RGB each */
  probs(crops: Uint8Array[], side: number): Promise<ArrayLike<number>[]>;
  crop: CropOptions;
  /** smallest region named, as a fraction of the image's pixels */
  minFraction: number;
  /** false: name every region by the crop head, even one whose map class it has no labelled region of */
  keepUnseen?: boolean;
}

/** The region namer of a fitted crop head whose crops `embed` embeds (the trainer, the benchmarks). */
export function cropHeadNamer(
  head: { model: LogRegModel; classes: number[] },
  embed: EmbedCrops,
  o: Omit<RegionNamer, 'classes' | 'probs'>,
): RegionNamer {
  return {
    ...o,
    classes: head.classes,
    probs: async (crops, side) => (await embed(crops, side)).map((f) => predictProba(head.model, f, 1)),
  };
}

/** parts of the predicted background the crop head is asked about per image (PROPOSAL_AREA sized) */
export const PROPOSALS = 6;
/** a part of the predicted background becomes the shape class the crop head names at least this surely */
export const PROPOSAL_CONFIDENCE = 0.8;
/** The class each region's pixels hold most of in `idx`, among the shape classes (1..). */
function majorityShape(idx: ArrayLike<number>, r: Region): number {
  const count = new Map<number, number>();
  for (const p of r.pixels) if (idx[p] !== 0) count.set(idx[p], (count.get(idx[p]) ?? 0) + 1);
  let best = r.cls,
    bn = 0;
  for (const [c, k] of count)
    if (k > bn) {
      bn = k;
      best = c;
    }
  return best;
}

/** A predicted map [C, gh, gw] (quantised) with its regions named by the crop head (a new map; the input is
 *  kept). `refined`: the map's refined arg-max at the guide's size. The shape regions of `refined`
 *  (shapeRegions), each split into its parts of clearly different colour (colourSplit), are named by the crop
 *  head (a region it names background becomes background); where the head knows the background, the parts of
 *  one colour (colourParts) of what the named map, refined, calls background are named next, and those it
 *  names a shape class at least PROPOSAL_CONFIDENCE surely become that class. `regions`: how many regions were
 *  named. */
export async function nameRegions(
  map: Uint8Array,
  C: number,
  gh: number,
  gw: number,
  refined: ArrayLike<number>,
  guide: { data: Uint8Array; width: number; height: number },
  n: RegionNamer,
): Promise<{ map: Uint8Array; regions: number }> {
  const { width: W, height: H, data: rgb } = guide;
  const regs = shapeRegions(refined, W, H, Math.max(1, Math.round(n.minFraction * W * H)))
    .flatMap((r) => colourSplit(rgb, W, H, r))
    .map((r) => ({ ...r, cls: majorityShape(refined, r) }));
  let out: Uint8Array = Uint8Array.from(map);
  if (regs.length) {
    const p = await n.probs(
      regs.map((r) => cropPixels(rgb, W, H, r, n.crop)),
      n.crop.side,
    );
    const cls = pickClasses(n.classes, p, {
      own: n.keepUnseen === false ? undefined : regs.map((r) => r.cls),
    });
    out = relabelGrid(out, C, gh, gw, W, H, regs, cls);
  }
  const found: Region[] = [],
    foundCls: number[] = [];
  if (n.classes[0] === 0) {
    const now = regs.length ? refineMap(out, C, gh, gw, { ...guide, channels: 3 }).idx : refined;
    const px: number[] = [];
    for (let q = 0; q < W * H; q++) if (now[q] === 0) px.push(q);
    const parts = colourParts(rgb, W, H, Int32Array.from(px), { ...proposalArea(W, H), max: PROPOSALS });
    const p = parts.length
      ? await n.probs(
          parts.map((r) => cropPixels(rgb, W, H, r, n.crop)),
          n.crop.side,
        )
      : [];
    parts.forEach((r, k) => {
      const q = p[k];
      let best = 0;
      for (let i = 1; i < n.classes.length; i++) if (q[i] > q[best]) best = i;
      if (n.classes[best] !== 0 && q[best] >= PROPOSAL_CONFIDENCE) {
        found.push(r);
        foundCls.push(n.classes[best]);
      }
    });
  }
  if (found.length) out = relabelGrid(out, C, gh, gw, W, H, found, foundCls, { whole: true });
  return regs.length || found.length ? { map: out, regions: regs.length + found.length } : { map, regions: 0 };
}

/** The shape regions of a predicted map: connected foreground (touching shapes of any class together), split
 *  where the map's classes split it into parts of at least `minPart` of the foreground region each (two
 *  touching shapes the map tells apart stay apart); smaller parts join the largest part. */
export function shapeRegions(idx: ArrayLike<number>, W: number, H: number, minArea: number, minPart = 0.25): Region[] {
  const fg = regionsOf(idx, W, H, { by: 'foreground' }),
    parts = regionsOf(idx, W, H, { by: 'class' }),
    fgOf = new Int32Array(W * H);
  fg.forEach((r, k) => {
    for (const p of r.pixels) fgOf[p] = k;
  });
  const groups: Region[][] = fg.map(() => []);
  for (const r of parts) groups[fgOf[r.pixels[0]]].push(r);
  const out: Region[] = [];
  fg.forEach((whole, k) => {
    if (whole.pixels.length < minArea) return;
    const ps = groups[k].sort((a, b) => b.pixels.length - a.pixels.length),
      kept = ps.filter((r, i) => i === 0 || r.pixels.length >= minPart * whole.pixels.length);
    if (kept.length === 1) {
      out.push({ ...whole, cls: kept[0].cls });
      return;
    }
    const rest = ps.filter((r) => !kept.includes(r));
    kept.forEach((r, i) => {
      const all = i === 0 ? [r, ...rest] : [r],
        pixels = new Int32Array(all.reduce((n, x) => n + x.pixels.length, 0));
      let o = 0;
      for (const x of all) {
        pixels.set(x.pixels, o);
        o += x.pixels.length;
      }
      out.push({
        pixels,
        cls: r.cls,
        x0: Math.min(...all.map((x) => x.x0)),
        y0: Math.min(...all.map((x) => x.y0)),
        x1: Math.max(...all.map((x) => x.x1)),
        y1: Math.max(...all.map((x) => x.y1)),
      });
    });
  });
  return out;
}
