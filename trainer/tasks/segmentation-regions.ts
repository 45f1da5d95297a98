// What segmentation learns beside the patch head, so that a few labelled images teach outlines: whether colour
// tells the labelled classes apart (the labelled regions' mean colours), the colour-swapped, mirrored copies the
// patch head also learns from where it does not, and the crop head that names each shape region of a predicted
// map from the pooled embedding of the region's crop (the app's second prediction frame, and the export's
// region model). Owned by the segmentation task (trainer/tasks/segmentation.ts), which reads the masks and pixels.
import type { SegmentationPrediction } from '../../common/protocol.ts';
import { refineMap } from '../../common/seg/refine.ts';
import type { Grid } from '../features.ts';
import {
  AUGMENT_SIDE,
  AUGMENTED_IMAGES,
  augmentedGrids,
  augmentedRows,
  colourCue,
  regionColours,
  type RegionColour,
} from '../heads/seg-augment.ts';
import {
  COLOUR_VIEWS,
  CROP_SIDE,
  CROP_VIEWS,
  fitCropHead,
  labelledCrops,
  MIN_REGION_FRACTION,
  REGION_CROP,
  type CropSample,
  type LogRegCropHead,
} from '../heads/seg-regions.ts';
import { cropHeadNamer, nameRegions, type RegionNamer } from '../heads/seg-naming.ts';
import type { SegImage } from '../heads/segmentation.ts';
import type { RegionHead, TrainerView } from './task.ts';
import type { AcceptedSource } from '../quality/seg-accepted.ts';

/** labelled images (the lowest ids of the train split) whose regions' colours decide whether colour is a cue */
const COLOUR_SAMPLE = 50;
/** the longest side images are decoded at to find and crop their regions */
export const REGION_SIDE = 640;

/** What the region learning reads through the segmentation task. */
export interface RegionSource {
  readonly v: TrainerView;
  /** class id of each head column */
  classIds(): number[];
  /** an image's stored mask (class id per pixel), null without one */
  fetchMask(id: number): Promise<Uint8Array | null>;
  /** an image's pixels (RGB, upright, on the shared background) at w × h */
  pixels(id: number, w: number, h: number): Promise<Uint8Array>;
  /** the labelled regions of an annotated image (class index + 1 per pixel, 0 = none) */
  labelledMap(id: number, m: Uint8Array, W: number, H: number, rgb: Uint8Array): Uint8Array;
}

export class SegmentationRegions {
  /** the crop head: names each predicted shape region from the pooled embedding of its silhouette's crop */
  private cropHead: LogRegCropHead | null = null;
  /** what the crop head was fitted from (image ids, their crops' keys), to refit it only when that changes */
  private cropKey = '';
  /** the labelled crops per annotated image, keyed by what they were derived from */
  private readonly crops = new Map<number, { key: string; samples: CropSample[] }>();
  /** the patch grids of each augmented image's copies (AUGMENTS), embedded once */
  private readonly augmented = new Map<number, Grid[]>();
  /** the labelled regions' mean colours per annotated image, keyed by what they were derived from */
  private readonly colours = new Map<number, { key: string; regions: RegionColour[] }>();
  /** the crop head of the val evaluation (heldOutNamer): fitted on the train-side images only */
  private heldOut: { head: LogRegCropHead | null; key: string } = { head: null, key: '' };
  /** whether colour told the labelled classes apart at the last reading (then no colour-swapped copies or views) */
  colourCue = { agreement: 1, cue: true };

  constructor(private s: RegionSource) {}

  get head(): LogRegCropHead | null {
    return this.cropHead;
  }
  reset(): void {
    this.cropHead = null;
    this.cropKey = '';
    this.heldOut = { head: null, key: '' };
    this.crops.clear();
    this.augmented.clear();
    this.colours.clear();
  }
  forget(imageId: number): void {
    this.crops.delete(imageId);
    this.colours.delete(imageId);
  }

  /** Reads whether colour tells the classes of the first COLOUR_SAMPLE labelled images apart (colourCue). */
  async readColours(ids: number[]): Promise<void> {
    this.colourCue = colourCue(
      (
        await Promise.all(
          [...ids]
            .sort((a, b) => a - b)
            .slice(0, COLOUR_SAMPLE)
            .map((id) =>
              this.regionColours(id).catch((e) => {
                this.s.v.io.log(`colours of image ${id} skipped: ${(e as Error).message}`);
                return [];
              }),
            ),
        )
      ).flat(),
    );
  }

  /** The augmented copies (AUGMENTS) of up to AUGMENTED_IMAGES labelled images (the lowest ids), as rows for the
   *  patch head: each copy's grid, embedded once with the loop's backbone, with the image's patch labels (mirrored
   *  for a mirror image). None where colour is a cue, or without an image embedder. `embed: false`: only the
   *  copies already embedded. */
  async copies(train: (SegImage & { id: number })[], o: { embed?: boolean } = {}): Promise<SegImage[]> {
    const v = this.s.v,
      embed = v.embedImages?.bind(v);
    if (this.colourCue.cue || !embed) return [];
    const out: SegImage[] = [];
    for (const t of [...train].sort((a, b) => a.id - b.id).slice(0, AUGMENTED_IMAGES)) {
      const img = v.images.get(t.id),
        g = img && v.cache?.getGrid(img);
      if (!img || !g) continue;
      let grids = this.augmented.get(t.id);
      if (!grids && o.embed === false) continue;
      if (!grids) {
        const f = Math.min(1, AUGMENT_SIDE / Math.max(img.width, img.height)),
          W = Math.max(1, Math.round(img.width * f)),
          H = Math.max(1, Math.round(img.height * f));
        grids = await augmentedGrids(await this.s.pixels(t.id, W, H), W, H, embed);
        this.augmented.set(t.id, grids);
      }
      out.push(...augmentedRows(grids, t.labels, g.h, g.w));
    }
    return out;
  }

  /** Refits the crop head from the labelled regions (each class's connected regions of the stored masks) of the
   *  train images; none without a crop embedder, when the first class is not the background, or with fewer
   *  than two shape classes labelled. Crops are embedded once per annotation version; the head is refitted only
   *  when they change. */
  async fit(ids: number[]): Promise<LogRegCropHead | null> {
    this.cropHead = await this.fitCrops(ids).catch((e) => {
      this.s.v.io.log(`crop head skipped: ${(e as Error).message}`);
      return null;
    });
    return this.cropHead;
  }

  private async fitCrops(ids: number[]): Promise<LogRegCropHead | null> {
    const got = await this.samplesOf(ids);
    if (!got) return null;
    if (got.key === this.cropKey && this.cropHead) return this.cropHead;
    const head = fitCropHead(got.samples, this.s.classIds().length, {
      colour: this.colourCue.cue,
      warm: this.cropHead,
    });
    this.cropKey = head ? got.key : '';
    return head;
  }

  /** The labelled crops of these images (embedded once per annotation version) and a key naming them; null
   *  without a crop embedder or when the first class is not the background. */
  private async samplesOf(ids: number[]): Promise<{ samples: CropSample[]; key: string } | null> {
    const v = this.s.v,
      embed = v.embedCrops?.bind(v);
    if (!embed || v.classes[0]?.name.toLowerCase() !== 'background') return null;
    const classIds = this.s.classIds();
    const samples: CropSample[] = [],
      keys: string[] = [];
    const index = new Map(classIds.map((id, i) => [id, i]));
    for (const id of ids) {
      const a = v.ann.get(id),
        img = v.images.get(id);
      if (!a || !img || !a.hasMask) continue;
      const views = this.colourCue.cue ? COLOUR_VIEWS : CROP_VIEWS,
        key = `${a.updatedAt}:${classIds.join(',')}:${views}`;
      let hit = this.crops.get(id);
      if (hit?.key !== key) {
        const raw = await this.s.fetchMask(id);
        let got: CropSample[] = [];
        if (raw && raw.length === img.width * img.height) {
          const lut = new Uint8Array(256); // class id → index + 1 (0 stays unlabelled)
          for (const [cid, i] of index) lut[cid] = i + 1;
          const m = Uint8Array.from(raw, (x) => lut[x]);
          const rgb = await this.s.pixels(id, img.width, img.height);
          got = await labelledCrops(
            this.s.labelledMap(id, m, img.width, img.height, rgb),
            img.width,
            img.height,
            rgb,
            embed,
            { ...REGION_CROP, side: CROP_SIDE },
            { background: 1, ignore: 0, offset: 1, views },
          );
        }
        hit = { key, samples: got };
        this.crops.set(id, hit);
      }
      samples.push(...hit.samples);
      keys.push(`${id}:${key}`);
    }
    return { samples, key: keys.join(' ') };
  }

  /** What names the regions of the val evaluation's masks: a crop head fitted on the labelled regions of these
   *  (train-side) images only, kept until they change; null where the app would name no region (no crop
   *  embedder, no background class, fewer than two shape classes). */
  async heldOutNamer(ids: number[]): Promise<{ namer: RegionNamer; key: string } | null> {
    const got = await this.samplesOf(ids);
    const embed = this.s.v.embedCrops?.bind(this.s.v);
    if (!got || !embed) return null;
    if (got.key !== this.heldOut.key) {
      const head = fitCropHead(got.samples, this.s.classIds().length, {
        colour: this.colourCue.cue,
        warm: this.heldOut.head,
      });
      this.heldOut = { head, key: got.key };
    }
    const head = this.heldOut.head;
    return head
      ? {
          namer: cropHeadNamer(head, embed, {
            crop: { ...REGION_CROP, side: CROP_SIDE },
            minFraction: MIN_REGION_FRACTION,
          }),
          key: got.key,
        }
      : null;
  }

  /** The mean colour of each labelled region (strokes or painted regions, background included) of an annotated
   *  image, cached until its annotation changes. */
  private async regionColours(id: number): Promise<RegionColour[]> {
    const v = this.s.v,
      a = v.ann.get(id),
      img = v.images.get(id);
    if (!a || !img || !a.hasMask) return [];
    const classIds = this.s.classIds(),
      key = `${a.updatedAt}:${classIds.join(',')}`;
    const hit = this.colours.get(id);
    if (hit?.key === key) return hit.regions;
    const raw = await this.s.fetchMask(id);
    let regions: RegionColour[] = [];
    if (raw && raw.length === img.width * img.height) {
      const lut = new Uint8Array(256); // class id → index + 1 (0 stays unlabelled)
      classIds.forEach((cid, i) => (lut[cid] = i + 1));
      regions = regionColours(
        Uint8Array.from(raw, (x) => lut[x]),
        img.width,
        img.height,
        await this.s.pixels(id, img.width, img.height),
        { ignore: 0, minArea: Math.max(1, Math.round(MIN_REGION_FRACTION * img.width * img.height)) },
      );
    }
    this.colours.set(id, { key, regions });
    return regions;
  }

  /** What names the shape regions of a predicted map: the crop head with the loop's crop embedder; null
   *  without either (then the patch head's classes stand). */
  namer(): RegionNamer | null {
    const head = this.cropHead,
      embed = this.s.v.embedCrops?.bind(this.s.v);
    return head && embed
      ? cropHeadNamer(head, embed, { crop: { ...REGION_CROP, side: CROP_SIDE }, minFraction: MIN_REGION_FRACTION })
      : null;
  }

  /** What the val evaluation reads the accepted masks from (quality/seg-accepted.ts). */
  acceptedSource(): AcceptedSource {
    const s = this.s,
      v = s.v;
    return {
      classIds: () => s.classIds(),
      image: (id) => v.images.get(id),
      grid: (img) => v.cache?.getGrid(img) ?? null,
      fetchMask: (id) => s.fetchMask(id),
      pixels: (id, w, h) => s.pixels(id, w, h),
      side: REGION_SIDE,
    };
  }

  /** The crop head as the export takes it: its columns' class ids and how crops are cut. */
  exported(): RegionHead | null {
    const h = this.cropHead;
    if (!h) return null;
    const classIds = this.s.classIds(),
      fill = REGION_CROP.fill ?? [0, 0, 0];
    return {
      model: h.model,
      classIds: h.classes.map((c) => classIds[c]),
      crop: { margin: REGION_CROP.margin, fill: [fill[0], fill[1], fill[2]], side: CROP_SIDE },
      minFraction: MIN_REGION_FRACTION,
      guideSide: REGION_SIDE,
    };
  }

  /** The full predictions with each shape region of the refined map named by the crop head (what the app
   *  shows and accepts); only the maps with regions come back, none when the crop head changed meanwhile. */
  async name(items: SegmentationPrediction[]): Promise<SegmentationPrediction[]> {
    const namer = this.namer();
    if (!namer) return [];
    const head = this.cropHead,
      v = this.s.v;
    const out: SegmentationPrediction[] = [];
    for (const p of items) {
      const img = v.images.get(p.imageId);
      if (!img || !p.map) continue;
      const C = p.classIds.length,
        map = new Uint8Array(Buffer.from(p.map, 'base64'));
      const f = Math.min(1, REGION_SIDE / Math.max(img.width, img.height)),
        W = Math.max(1, Math.round(img.width * f)),
        H = Math.max(1, Math.round(img.height * f));
      const guide = { data: await this.s.pixels(img.id, W, H), width: W, height: H, channels: 3 as const };
      const refined = refineMap(map, C, p.height, p.width, guide).idx;
      const named = await nameRegions(map, C, p.height, p.width, refined, guide, namer);
      if (named.regions && this.cropHead === head) out.push({ ...p, map: Buffer.from(named.map).toString('base64') });
    }
    return out;
  }
}
