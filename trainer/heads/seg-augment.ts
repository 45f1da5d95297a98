// Augmented copies of a labelled segmentation image for the patch head: from a few labelled images a linear head
// on patch tokens learns the colours those few happen to have; mirror images and other channel orders of the
// same images, with the same (mirrored) patch labels, teach it the outlines instead. Whether to is read from the
// labels: where the labelled regions' colours already tell their classes apart (sky and grass, a colour per
// class) colour is a cue to keep, and no copies are made. Pure pixel and label transforms; the caller embeds the
// copies (trainer/tasks/segmentation.ts with the loop's backbone, bench/seg-few.ts).
import sharp from 'sharp';
import type { Grid } from '../features.ts';
import { IGNORE, type SegImage } from './segmentation.ts';
import { regionsOf } from './seg-regions.ts';

/** labelled images (the lowest ids of the train split) whose augmented copies the patch head also learns from */
export const AUGMENTED_IMAGES = 12;
/** the copies: the mirror image, the channels in another order, the mirror image in a third order — from a few
 *  labelled images the head then learns outlines rather than the colours those few happen to have */
export const AUGMENTS: { flip: boolean; order: [number, number, number] }[] = [
  { flip: true, order: [0, 1, 2] },
  { flip: false, order: [1, 2, 0] },
  { flip: true, order: [2, 0, 1] },
];
/** the longest side an image is decoded at for its augmented copies (the backbone's input is smaller) */
export const AUGMENT_SIDE = 1024;

/** the share of labelled regions whose nearest other region in mean colour has their class, from which on colour
 *  is taken to tell the classes apart (the heads then keep it: no colour-swapped copies or views) */
export const COLOUR_CUE = 0.7;
/** fewer labelled regions than this say nothing about colour: the heads keep it */
export const COLOUR_CUE_MIN_REGIONS = 4;

/** A labelled region's mean colour (RGB) and its class. */
export interface RegionColour {
  mean: [number, number, number];
  cls: number;
}

/** The mean colour of each connected region of one class in a class map (`ignore`: unlabelled pixels; regions
 *  under `minArea` pixels are left out). Background regions count too: whether the background's colour gives it
 *  away matters as much as the shapes'. */
export function regionColours(
  idx: ArrayLike<number>,
  W: number,
  H: number,
  rgb: Uint8Array,
  o: { ignore?: number; minArea?: number } = {},
): RegionColour[] {
  return regionsOf(idx, W, H, { by: 'class', background: -1, ignore: o.ignore, minArea: o.minArea ?? 1 }).map((r) => {
    const m: [number, number, number] = [0, 0, 0];
    for (const p of r.pixels) for (let c = 0; c < 3; c++) m[c] += rgb[p * 3 + c];
    return { mean: m.map((v) => v / r.pixels.length) as [number, number, number], cls: r.cls };
  });
}

/** Does colour tell the labelled classes apart? The share of labelled regions whose nearest other region in mean
 *  colour is of the same class (leave-one-out nearest neighbour), and whether it reaches COLOUR_CUE; with fewer
 *  than COLOUR_CUE_MIN_REGIONS regions (or one class) colour is taken to matter. */
export function colourCue(regions: RegionColour[]): { agreement: number; cue: boolean } {
  if (regions.length < COLOUR_CUE_MIN_REGIONS || new Set(regions.map((r) => r.cls)).size < 2)
    return { agreement: 1, cue: true };
  let same = 0;
  regions.forEach((a, i) => {
    let best = -1,
      bestD = Infinity;
    regions.forEach((b, j) => {
      const d = (a.mean[0] - b.mean[0]) ** 2 + (a.mean[1] - b.mean[1]) ** 2 + (a.mean[2] - b.mean[2]) ** 2;
      if (j !== i && d < bestD) {
        bestD = d;
        best = j;
      }
    });
    if (regions[best].cls === a.cls) same++;
  });
  const agreement = same / regions.length;
  return { agreement, cue: agreement >= COLOUR_CUE };
}

/** Patch grids of encoded images, with the backbone the head's features come from. */
export type EmbedImages = (images: Buffer[]) => Promise<Grid[]>;

/** RGB pixels [H, W, 3] mirrored left to right (`flip`) with channel c taken from channel `order[c]`. */
export function augmentPixels(
  rgb: Uint8Array,
  W: number,
  H: number,
  flip: boolean,
  order: readonly number[],
): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const src = (y * W + (flip ? W - 1 - x : x)) * 3,
        dst = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) out[dst + c] = rgb[src + order[c]];
    }
  return out;
}

/** Patch labels [h, w] mirrored left to right (the labels of the mirrored image's grid). */
export function mirrorGrid(labels: Int32Array, h: number, w: number): Int32Array {
  const out = new Int32Array(labels.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = labels[y * w + w - 1 - x];
  return out;
}

/** The patch grids of an image's copies (AUGMENTS, in order): RGB pixels [H, W, 3] transformed, encoded, embedded. */
export async function augmentedGrids(rgb: Uint8Array, W: number, H: number, embed: EmbedImages): Promise<Grid[]> {
  return embed(
    await Promise.all(
      AUGMENTS.map((a) =>
        sharp(augmentPixels(rgb, W, H, a.flip, a.order), { raw: { width: W, height: H, channels: 3 } })
          .png()
          .toBuffer(),
      ),
    ),
  );
}

/** Rows for the patch head from the copies' grids: each with the image's patch labels [h, w] (mirrored for a
 *  mirror image), copy k keeping every labelled patch p with p ≡ k (mod the number of copies) — together the
 *  copies add as many rows as the image itself, so the fit costs about twice, not four times, the image's; a
 *  copy whose grid is not h × w is left out. */
export function augmentedRows(grids: Grid[], labels: Int32Array, h: number, w: number): SegImage[] {
  const out: SegImage[] = [];
  AUGMENTS.forEach((a, k) => {
    const x = grids[k];
    if (!x || x.h !== h || x.w !== w) return;
    const own = a.flip ? mirrorGrid(labels, h, w) : labels,
      kept = own.map((v, p) => (p % AUGMENTS.length === k ? v : IGNORE));
    out.push({ features: x.data, labels: kept });
  });
  return out;
}
