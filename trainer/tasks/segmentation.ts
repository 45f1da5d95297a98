// Segmentation: patch labels from masks and points (train split), a per-patch softmax head, quantised
// per-class maps at the patch grid; after each refit image-level suggestions (uncertain, diverse, and by
// presence: class X, minority) and the val mIoU with per-class IoU.
import sharp from 'sharp';
import type { ImageRef, SegmentationPrediction } from '../../common/protocol.ts';
import type { LogRegModel } from '../heads/logreg.ts';
import {
  argmaxMap,
  fitSegmentation,
  IGNORE,
  maskToPatchLabels,
  pointsToPatchLabels,
  predictMap,
  type SegImage,
} from '../heads/segmentation.ts';
import { isVal } from '../../common/split.ts';
import { imageScores, meanFeature } from './seg-scores.ts';
import type { EmbedResult } from '../types.ts';
import type { Shape } from '../feature-store.ts';
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
import type { RowPredictions } from '../sweep.ts';
import { packSample } from './classification.ts';
import { SegmentationQuality } from '../quality/segmentation.ts';
import type { RegionHead, SweepState, TaskFactory, TrainerTask, TrainerView } from './task.ts';
import { segmentationExport } from './segmentation-export.ts';
import { onBackground } from '../../common/image-background.ts';
import { refineMap } from '../../common/seg/refine.ts';
import {
  COLOUR_VIEWS,
  CROP_SIDE,
  CROP_VIEWS,
  fitCropHead,
  labelledCrops,
  MIN_REGION_FRACTION,
  cropHeadNamer,
  nameRegions,
  regionsOf,
  REGION_CROP,
  type CropSample,
  type LogRegCropHead,
  type RegionNamer,
} from '../heads/seg-regions.ts';

/** labelled images (the lowest ids of the train split) whose regions' colours decide whether colour is a cue */
const COLOUR_SAMPLE = 50;
/** a stored mask covering this share of the image is taken as it is (else it is scribbles, spread first) */
const DENSE_MASK = 0.9;
/** the longest side images are decoded at to find and crop their regions */
const REGION_SIDE = 640;
/** time the patch head's fit may take after a change: a fit that needs longer publishes what it has (the
 *  focused map a second or two after a label) and the loop fits on from there at once, warm, to the end */
export const LIVE_FIT_MS = 1200;

interface GridLike {
  data: Float32Array;
  h: number;
  w: number;
  d?: number;
}

export class SegmentationTask implements TrainerTask {
  readonly name = 'segmentation' as const;
  readonly embedMode = 'grid' as const;
  readonly predictChunk = 50;
  private head: LogRegModel | null = null;
  private ids: number[] = [];
  private loss = 0;
  /** patch labels per annotated image, keyed by what they were derived from */
  readonly labels = new Map<number, { key: string; labels: Int32Array }>();
  /** evaluation, likely label errors and hints, after each publish */
  readonly quality: SegmentationQuality;
  /** the crop head: names each predicted shape region from the pooled embedding of its silhouette's crop */
  private cropHead: LogRegCropHead | null = null;
  /** the labelled crops per annotated image, keyed by what they were derived from */
  private readonly crops = new Map<number, { key: string; samples: CropSample[] }>();
  /** the patch grids of each augmented image's copies (AUGMENTS), embedded once */
  private readonly augmented = new Map<number, Grid[]>();
  /** the labelled regions' mean colours per annotated image, keyed by what they were derived from */
  private readonly colours = new Map<number, { key: string; regions: RegionColour[] }>();
  /** whether colour told the labelled classes apart at the last fit (then no colour-swapped copies or views) */
  private colourCue = { agreement: 1, cue: true };
  /** the last fit stopped at LIVE_FIT_MS before converging: the loop fits on (warm) at once */
  private pending = false;
  /** an annotation changed since the last fit (the next one is bounded by LIVE_FIT_MS) */
  private changed = true;
  /** what the crop head was fitted from (image ids, their crops' keys), to refit it only when that changes */
  private cropKey = '';

  constructor(private v: TrainerView) {
    this.quality = new SegmentationQuality(this, v);
  }

  model() {
    return this.head;
  }
  fitPending() {
    return this.pending;
  }
  classIds() {
    return this.ids;
  }
  reset() {
    this.head = null;
    this.cropHead = null;
    this.cropKey = '';
    this.pending = false;
    this.changed = true;
    this.ids = [];
    this.labels.clear();
    this.crops.clear();
    this.augmented.clear();
    this.colours.clear();
    this.quality.reset();
  }
  annotationChanged(imageId: number) {
    this.changed = true;
    this.labels.delete(imageId);
    this.crops.delete(imageId);
    this.colours.delete(imageId);
    this.quality.forget(imageId);
  }
  labelledCount() {
    let n = 0;
    for (const a of this.v.ann.values()) if (a.kind === 'mask') n++;
    return n;
  }

  private async fetchMask(id: number): Promise<Uint8Array | null> {
    const r = await fetch(`${this.v.io.httpBase}/images/${id}/mask`, { headers: this.v.io.httpHeaders });
    if (r.status === 404) return null;
    if (!r.ok) throw new Error(`mask of image ${id}: HTTP ${r.status}`);
    const { data } = await sharp(Buffer.from(await r.arrayBuffer()))
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    return new Uint8Array(data);
  }

  /** Patch labels (class index, IGNORE elsewhere) of one annotated image, cached until its annotation changes. */
  private async patchLabels(img: ImageRef, gh: number, gw: number): Promise<Int32Array | null> {
    const a = this.v.ann.get(img.id);
    if (!a || a.kind !== 'mask') return null;
    const key = `${a.updatedAt}:${this.ids.join(',')}:${gh}x${gw}`;
    const hit = this.labels.get(img.id);
    if (hit?.key === key) return hit.labels;
    const index = new Map(this.ids.map((id, i) => [id, i]));
    const grid = { imageWidth: img.width, imageHeight: img.height, gridWidth: gw, gridHeight: gh };
    const labels = new Int32Array(gh * gw).fill(IGNORE);
    if (a.hasMask) {
      const raw = await this.fetchMask(img.id);
      if (raw) {
        const lut = new Uint8Array(256); // class id → index + 1 (0 stays unlabelled)
        for (const [id, i] of index) lut[id] = i + 1;
        const m = new Uint8Array(raw.length);
        for (let k = 0; k < raw.length; k++) m[k] = lut[raw[k]];
        labels.set(maskToPatchLabels(m, grid));
      }
    }
    const pts = (a.points ?? [])
      .filter((p) => index.has(p.classId))
      .map((p) => ({ x: p.x, y: p.y, cls: index.get(p.classId)! }));
    if (pts.length) {
      const pl = pointsToPatchLabels(pts, grid);
      for (let k = 0; k < pl.length; k++) if (pl[k] !== IGNORE && labels[k] === IGNORE) labels[k] = pl[k];
    }
    this.labels.set(img.id, { key, labels });
    return labels;
  }

  async labelledImages(split: 'train' | 'val'): Promise<(SegImage & { id: number })[]> {
    const out: (SegImage & { id: number })[] = [];
    for (const a of this.v.ann.values()) {
      if (a.kind !== 'mask' || isVal(a.imageId) !== (split === 'val')) continue;
      const img = this.v.images.get(a.imageId);
      const g = img && this.v.cache?.getGrid(img);
      if (!img || !g) continue;
      const labels = await this.patchLabels(img, g.h, g.w);
      if (labels && labels.some((x) => x !== IGNORE)) out.push({ id: img.id, features: g.data, labels });
    }
    return out;
  }

  async fit(): Promise<string | null> {
    const classIds = this.v.classes.map((c) => c.id);
    const prev = this.head,
      prevIds = this.ids;
    const extends_ = prev && prevIds.length <= classIds.length && prevIds.every((id, i) => classIds[i] === id);
    if (!extends_) this.labels.clear();
    this.ids = classIds;
    this.head = null;
    const train = await this.labelledImages('train');
    const present = new Set<number>();
    for (const im of train) for (const x of im.labels) if (x !== IGNORE) present.add(x);
    if (present.size < 2) return null;
    const d = train[0].features.length / train[0].labels.length;
    this.colourCue = colourCue(
      (
        await Promise.all(
          [...train]
            .sort((a, b) => a.id - b.id)
            .slice(0, COLOUR_SAMPLE)
            .map((t) =>
              this.regionColours(t.id).catch((e) => {
                this.v.io.log(`colours of image ${t.id} skipped: ${(e as Error).message}`);
                return [];
              }),
            ),
        )
      ).flat(),
    );
    const copies = this.colourCue.cue
      ? []
      : await this.augmentedRows(train).catch((e) => {
          this.v.io.log(`augmented copies skipped: ${(e as Error).message}`);
          return [];
        });
    const t0 = performance.now();
    // a fit after a change is bounded, so the focused map shows the label soon; the fit that goes on from it
    // runs to the end (one restart costs fewer iterations than many)
    const bounded = this.changed || !extends_;
    this.changed = false;
    const r = fitSegmentation([...train, ...copies], d, classIds.length, {
      warm: extends_ ? prev : null,
      seed: 0,
      maxMs: bounded ? LIVE_FIT_MS : undefined,
    });
    this.head = r.model;
    this.loss = r.loss;
    this.pending = !r.converged;
    const t1 = performance.now();
    this.cropHead = await this.fitCrops(train.map((t) => t.id)).catch((e) => {
      this.v.io.log(`crop head skipped: ${(e as Error).message}`);
      return null;
    });
    const ms = (a: number, b: number) => `${(b - a).toFixed(0)} ms`;
    const crops = this.cropHead
      ? `; crop head on ${this.cropHead.regions} regions (${ms(t1, performance.now())}; patch head ${ms(t0, t1)})`
      : '';
    const agree = `colour agrees with the class for ${(this.colourCue.agreement * 100).toFixed(0)} % of labelled regions`;
    const aug = this.colourCue.cue ? ` (${agree}: colour kept)` : ` (+${copies.length} augmented copies; ${agree})`;
    const more = this.pending ? ' (not converged: fitting on)' : '';
    return `${train.length} labelled images${aug}, ${present.size} classes seen, ${r.iterations} iterations${more}, loss ${r.loss.toFixed(4)}${crops}`;
  }

  /** The augmented copies (AUGMENTS) of up to AUGMENTED_IMAGES train images, as rows for the patch head: each
   *  copy's grid, embedded once with the loop's backbone, with the image's patch labels (mirrored for a mirror
   *  image). None without an image embedder. */
  private async augmentedRows(train: (SegImage & { id: number })[]): Promise<SegImage[]> {
    const embed = this.v.embedImages?.bind(this.v);
    if (!embed) return [];
    const out: SegImage[] = [];
    for (const t of [...train].sort((a, b) => a.id - b.id).slice(0, AUGMENTED_IMAGES)) {
      const img = this.v.images.get(t.id),
        g = img && this.v.cache?.getGrid(img);
      if (!img || !g) continue;
      let grids = this.augmented.get(t.id);
      if (!grids) {
        const f = Math.min(1, AUGMENT_SIDE / Math.max(img.width, img.height)),
          W = Math.max(1, Math.round(img.width * f)),
          H = Math.max(1, Math.round(img.height * f));
        grids = await augmentedGrids(await this.pixels(t.id, W, H), W, H, embed);
        this.augmented.set(t.id, grids);
      }
      out.push(...augmentedRows(grids, t.labels, g.h, g.w));
    }
    return out;
  }

  /** The crop head, from the labelled regions (each class's connected regions of the stored masks) of the
   *  train images; null without a crop embedder, when the first class is not the background, or with
   *  fewer than two shape classes labelled. Crops are embedded once per annotation version. */
  private async fitCrops(ids: number[]): Promise<LogRegCropHead | null> {
    const embed = this.v.embedCrops?.bind(this.v);
    if (!embed || this.v.classes[0]?.name.toLowerCase() !== 'background') return null;
    const samples: CropSample[] = [],
      keys: string[] = [];
    const index = new Map(this.ids.map((id, i) => [id, i]));
    for (const id of ids) {
      const a = this.v.ann.get(id),
        img = this.v.images.get(id);
      if (!a || !img || !a.hasMask) continue;
      const views = this.colourCue.cue ? COLOUR_VIEWS : CROP_VIEWS,
        key = `${a.updatedAt}:${this.ids.join(',')}:${views}`;
      let hit = this.crops.get(id);
      if (hit?.key !== key) {
        const raw = await this.fetchMask(id);
        let got: CropSample[] = [];
        if (raw && raw.length === img.width * img.height) {
          const lut = new Uint8Array(256); // class id → index + 1 (0 stays unlabelled)
          for (const [cid, i] of index) lut[cid] = i + 1;
          const m = Uint8Array.from(raw, (v) => lut[v]);
          const rgb = await this.pixels(id, img.width, img.height);
          got = await labelledCrops(
            this.labelledMap(id, m, img.width, img.height, rgb),
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
    const key = keys.join(' ');
    if (key === this.cropKey && this.cropHead) return this.cropHead;
    const head = fitCropHead(samples, this.ids.length, { colour: this.colourCue.cue });
    this.cropKey = head ? key : '';
    return head;
  }

  /** The mean colour of each labelled region (strokes or painted regions, background included) of an annotated
   *  image, cached until its annotation changes. */
  private async regionColours(id: number): Promise<RegionColour[]> {
    const a = this.v.ann.get(id),
      img = this.v.images.get(id);
    if (!a || !img || !a.hasMask) return [];
    const key = `${a.updatedAt}:${this.ids.join(',')}`;
    const hit = this.colours.get(id);
    if (hit?.key === key) return hit.regions;
    const raw = await this.fetchMask(id);
    let regions: RegionColour[] = [];
    if (raw && raw.length === img.width * img.height) {
      const lut = new Uint8Array(256); // class id → index + 1 (0 stays unlabelled)
      this.ids.forEach((cid, i) => (lut[cid] = i + 1));
      regions = regionColours(
        Uint8Array.from(raw, (v) => lut[v]),
        img.width,
        img.height,
        await this.pixels(id, img.width, img.height),
        { ignore: 0, minArea: Math.max(1, Math.round(MIN_REGION_FRACTION * img.width * img.height)) },
      );
    }
    this.colours.set(id, { key, regions });
    return regions;
  }

  /** The labelled regions of an annotated image (class index + 1 per pixel, 0 = none): its mask where it
   *  covers the image (an accepted or painted-out mask); scribbles are spread to their shapes as Enter would
   *  (the head's map refined with the strokes as hints), keeping only the regions a stroke of their own
   *  class touches. */
  private labelledMap(id: number, m: Uint8Array, W: number, H: number, rgb: Uint8Array): Uint8Array {
    let painted = 0;
    for (const v of m) if (v) painted++;
    const img = this.v.images.get(id),
      g = img && this.v.cache?.getGrid(img),
      model = this.head;
    if (painted >= DENSE_MASK * m.length || !g || !model || g.d !== model.d) return m;
    const C = model.C,
      map = predictMap(model, g.data, g.h, g.w).map;
    const idx = refineMap(map, C, g.h, g.w, { data: rgb, width: W, height: H, channels: 3 }, {}, m).idx;
    const out = new Uint8Array(m.length);
    for (const r of regionsOf(idx, W, H, { by: 'class' })) {
      let own = false;
      for (const p of r.pixels)
        if (m[p] === r.cls + 1) {
          own = true;
          break;
        }
      if (own) for (const p of r.pixels) out[p] = r.cls + 1;
    }
    for (let p = 0; p < m.length; p++) if (!out[p] && idx[p] === 0) out[p] = 1; // background, for completeness
    return out;
  }

  /** An image's pixels (RGB, upright, on the shared background) at w × h. */
  private async pixels(id: number, w: number, h: number): Promise<Uint8Array> {
    const src = await this.v.readImage(id);
    const buf = await onBackground(sharp(src, { autoOrient: true }))
      .resize(w, h, { fit: 'fill' })
      .toColourspace('srgb')
      .raw()
      .toBuffer();
    return new Uint8Array(buf);
  }

  /** The full predictions with each shape region of the refined map named by the crop head (what the app
   *  shows and accepts); only the maps that changed come back. */
  /** What names the shape regions of a predicted map: the crop head with the loop's crop embedder; null
   *  without either (then the patch head's classes stand). */
  regionNamer(): RegionNamer | null {
    const head = this.cropHead,
      embed = this.v.embedCrops?.bind(this.v);
    return head && embed
      ? cropHeadNamer(head, embed, { crop: { ...REGION_CROP, side: CROP_SIDE }, minFraction: MIN_REGION_FRACTION })
      : null;
  }

  regionHead(): RegionHead | null {
    const h = this.cropHead;
    if (!h) return null;
    const fill = REGION_CROP.fill ?? [0, 0, 0];
    return {
      model: h.model,
      classIds: h.classes.map((c) => this.ids[c]),
      crop: { margin: REGION_CROP.margin, fill: [fill[0], fill[1], fill[2]], side: CROP_SIDE },
      minFraction: MIN_REGION_FRACTION,
      guideSide: REGION_SIDE,
    };
  }

  async refinePredictions(items: SegmentationPrediction[]): Promise<SegmentationPrediction[]> {
    const namer = this.regionNamer();
    if (!namer) return [];
    const head = this.cropHead;
    const out: SegmentationPrediction[] = [];
    for (const p of items) {
      const img = this.v.images.get(p.imageId);
      if (!img || !p.map) continue;
      const C = p.classIds.length,
        map = new Uint8Array(Buffer.from(p.map, 'base64'));
      const f = Math.min(1, REGION_SIDE / Math.max(img.width, img.height)),
        W = Math.max(1, Math.round(img.width * f)),
        H = Math.max(1, Math.round(img.height * f));
      const guide = { data: await this.pixels(img.id, W, H), width: W, height: H, channels: 3 as const };
      const refined = refineMap(map, C, p.height, p.width, guide).idx;
      const named = await nameRegions(map, C, p.height, p.width, refined, guide, namer);
      if (named.regions && this.cropHead === head) out.push({ ...p, map: Buffer.from(named.map).toString('base64') });
    }
    return out;
  }

  predict(imgs: ImageRef[]): SegmentationPrediction[] {
    if (!this.head || !this.v.cache) return [];
    const out: SegmentationPrediction[] = [];
    for (const img of imgs) {
      const g = this.v.cache.getGrid(img);
      const p = g && this.predictGrid(img.id, g);
      if (p) out.push(p);
    }
    return out;
  }

  predictEmbedding(id: number, e: EmbedResult): SegmentationPrediction | null {
    return e.grid ? this.predictGrid(id, e.grid) : null;
  }

  /** One patch grid (cached or uploaded) → a quantised per-class map at grid resolution. */
  predictGrid(id: number, g: GridLike): SegmentationPrediction | null {
    const model = this.head;
    const d = g.d ?? g.data.length / (g.h * g.w);
    if (!model || d !== model.d) return null;
    const { map, uncertainty } = predictMap(model, g.data, g.h, g.w);
    const n = g.h * g.w,
      C = model.C;
    const votes = new Array(C).fill(0);
    for (let p = 0; p < n; p++) {
      let b = 0;
      for (let c = 1; c < C; c++) if (map[c * n + p] > map[b * n + p]) b = c;
      votes[b]++;
    }
    const top = votes.indexOf(Math.max(...votes));
    return {
      imageId: id,
      classId: this.ids[top] ?? null,
      classIds: this.ids.slice(0, C),
      width: g.w,
      height: g.h,
      map: Buffer.from(map).toString('base64'),
      uncertainty,
    };
  }

  /** The sweep's view of k grids: top class by patch votes, mean patch uncertainty, the mean probability
   *  of each class over the patches, presence (how likely the image is to contain each class: the mean
   *  of its strongest patches) — what the suggestion strategies rank — and the mean patch feature. */
  predictRows(ids: number[], values: Float32Array, shapes: Shape[]): RowPredictions | null {
    const model = this.head;
    if (!model || shapes.some((s) => s.d !== model.d)) return null;
    const k = ids.length,
      C = model.C,
      d = model.d;
    const top = new Int32Array(k),
      unc = new Float32Array(k),
      conf = new Float32Array(k),
      probs = new Float32Array(k * C),
      presence = new Float32Array(k * C);
    const feats: Float32Array[] = [];
    let off = 0;
    for (let i = 0; i < k; i++) {
      const { h, w } = shapes[i],
        n = h * w,
        grid = values.subarray(off, off + n * d);
      off += n * d;
      const { map, uncertainty } = predictMap(model, grid, h, w);
      const votes = new Int32Array(C);
      for (let p = 0; p < n; p++) {
        let b = 0;
        for (let c = 1; c < C; c++) if (map[c * n + p] > map[b * n + p]) b = c;
        votes[b]++;
      }
      let t = 0;
      for (let c = 1; c < C; c++) if (votes[c] > votes[t]) t = c;
      const sc = imageScores(map, C, n);
      probs.set(sc.probs, i * C);
      presence.set(sc.presence, i * C);
      top[i] = t;
      unc[i] = uncertainty;
      conf[i] = probs[i * C + t];
      feats.push(meanFeature({ data: grid, h, w, d }));
    }
    return { top, unc, conf, probs, presence, C, feature: (i) => feats[i] };
  }

  async publish(sweep: SweepState): Promise<void> {
    const { io } = this.v;
    const model = this.head,
      classIds = this.ids;
    if (!model || sweep.C !== model.C) return;
    const C = model.C,
      d = model.d;
    // "minority" for segmentation: the class with the fewest labelled patches
    const patchCounts = classIds.map(() => 0);
    for (const { labels } of this.labels.values())
      for (const x of labels) if (x >= 0 && x < patchCounts.length) patchCounts[x]++;
    // for segmentation "uncertain" means the highest mean per-patch uncertainty
    const lists = await this.v.suggest({
      ids: sweep.ids,
      probs: sweep.probs,
      C,
      classIds: classIds.slice(0, C),
      features: null,
      d,
      labelledIds: [...this.v.ann.keys()],
      labelCounts: patchCounts.slice(0, C),
      limit: 200,
      uncertainty: sweep.unc,
      sample: packSample(sweep.sample, d),
      seed: this.v.version,
      ...(sweep.presence ? { presence: sweep.presence } : {}),
      labelIssue: this.quality.labelIssue(sweep.ids),
    });
    if (!lists || this.head !== model) return;
    io.send({ type: 'suggestions', modelVersion: this.v.version, lists });
    const labelled = this.labelledCount();
    io.send({ type: 'metric', name: 'train_loss', step: labelled, value: this.loss });
    const val = await this.valIou();
    if (val) {
      io.send({ type: 'metric', name: 'val_miou', step: labelled, value: val.miou });
      // per-class IoU curves (Stats); the server keeps 32 metric names in all, so only for a few classes
      if (val.perClass.length <= MAX_IOU_CLASSES)
        for (const { classId, iou } of val.perClass)
          io.send({ type: 'metric', name: `val_iou:${classId}`, step: labelled, value: iou });
    }
    io.send({ type: 'model', version: this.v.version, labelled, counts: {} });
    this.quality.afterPublish(lists);
  }

  /** IoU per class on the val split's labelled patches, and their mean. */
  private async valIou(): Promise<{ miou: number; perClass: { classId: number; iou: number }[] } | null> {
    const model = this.head!,
      C = model.C;
    const val = await this.labelledImages('val');
    if (!val.length) return null;
    const inter = new Float64Array(C),
      union = new Float64Array(C);
    for (const im of val) {
      const g = this.v.cache?.getGrid(this.v.images.get(im.id)!);
      if (!g || g.d !== model.d) continue;
      const n = g.h * g.w,
        top = argmaxMap(predictMap(model, g.data, g.h, g.w).map, C, n);
      for (let q = 0; q < n; q++) {
        const y = im.labels[q],
          b = top[q];
        if (y === IGNORE) continue;
        union[y]++;
        if (b === y) inter[y]++;
        else union[b]++;
      }
    }
    const perClass = [...union.keys()]
      .filter((c) => union[c] > 0)
      .map((c) => ({ classId: this.ids[c], iou: inter[c] / union[c] }));
    return perClass.length ? { miou: perClass.reduce((a, b) => a + b.iou, 0) / perClass.length, perClass } : null;
  }
}

const MAX_IOU_CLASSES = 20;

export const segmentation: TaskFactory = {
  name: 'segmentation',
  embedMode: 'grid',
  create: (v) => new SegmentationTask(v),
  exported: segmentationExport,
};
