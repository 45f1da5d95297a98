// Segmentation: patch labels from masks and points (every labelled image trains), a per-patch softmax head (its fit
// after a change bounded in time, then carried on), quantised per-class maps at the patch grid, each shape region
// named by the crop head in a second pass (segmentation-regions.ts: colour reading, copies, crops); after each refit
// image-level suggestions (uncertain, diverse, by presence), then the model quality in the background (quality/:
// the val side scored by heads fitted without it, at the patch grid and as accepted masks; label errors; hints).
import sharp from 'sharp';
import type { ImageRef, SegmentationPrediction } from '../../common/protocol.ts';
import type { LogRegModel } from '../heads/logreg.ts';
import {
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
import type { RowPredictions } from '../sweep.ts';
import { packSample } from './classification.ts';
import { SegmentationQuality } from '../quality/segmentation.ts';
import type { RegionHead, SweepState, TaskFactory, TrainerTask, TrainerView } from './task.ts';
import { segmentationExport } from './segmentation-export.ts';
import { onBackground } from '../../common/image-background.ts';
import { refineMap } from '../../common/seg/refine.ts';
import { regionsOf } from '../heads/seg-regions.ts';
import { SegmentationRegions } from './segmentation-regions.ts';

/** a stored mask covering this share of the image is taken as it is (else it is scribbles, spread first) */
const DENSE_MASK = 0.9;
/** time the patch head's fit may take after a change: a fit that needs longer publishes what it has (the
 *  focused map a second or two after a label) and the loop fits on from there at once, warm */
export const LIVE_FIT_MS = 1200;
/** time each further step of that fit may take (fewer restarts than LIVE_FIT_MS steps; a new label waits at most
 *  this long before its own step) */
export const CONTINUED_FIT_MS = 4000;

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
  /** the colour reading, the copies and the crop head that names each predicted shape region */
  readonly regions = new SegmentationRegions(this);
  /** the last fit stopped at LIVE_FIT_MS before converging: the loop fits on (warm) at once */
  private pending = false;
  /** an annotation changed since the last fit (the next one is bounded by LIVE_FIT_MS) */
  private changed = true;
  /** the crop head's fits, one after another, each after a patch head's fit */
  private cropFit: Promise<void> = Promise.resolve();
  /** reset() count: a crop head fit queued before a reset does not run */
  private generation = 0;

  constructor(readonly v: TrainerView) {
    this.quality = new SegmentationQuality(this, v, this.regions);
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
    this.generation++;
    this.head = null;
    this.pending = false;
    this.changed = true;
    this.ids = [];
    this.labels.clear();
    this.regions.reset();
    this.quality.reset();
  }
  annotationChanged(imageId: number) {
    this.changed = true;
    this.labels.delete(imageId);
    this.regions.forget(imageId);
    this.quality.forget(imageId);
  }
  labelledCount() {
    let n = 0;
    for (const a of this.v.ann.values()) if (a.kind === 'mask') n++;
    return n;
  }

  async fetchMask(id: number): Promise<Uint8Array | null> {
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

  /** The labelled images with their patch labels: one side of the persistent split, or all of them. */
  async labelledImages(split: 'train' | 'val' | 'all'): Promise<(SegImage & { id: number })[]> {
    const out: (SegImage & { id: number })[] = [];
    for (const a of this.v.ann.values()) {
      if (a.kind !== 'mask' || (split !== 'all' && isVal(a.imageId) !== (split === 'val'))) continue;
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
    // every labelled image trains the served heads: with a handful of labelled scenes, leaving the val side out
    // (one in five) would cost more than it is worth; the val side is scored by the quality's held-out head
    const train = await this.labelledImages('all');
    const present = new Set<number>();
    for (const im of train) for (const x of im.labels) if (x !== IGNORE) present.add(x);
    if (present.size < 2) return null;
    const d = train[0].features.length / train[0].labels.length;
    await this.regions.readColours(train.map((t) => t.id));
    const copies = await this.regions.copies(train).catch((e) => {
      this.v.io.log(`augmented copies skipped: ${(e as Error).message}`);
      return [];
    });
    const t0 = performance.now();
    // a fit after a change is bounded tightly, so the focused map shows the label soon; the fit that goes on from
    // it in longer steps (a step holds the loop, and a label that arrives meanwhile waits for it)
    const first = this.changed || !extends_;
    this.changed = false;
    const r = fitSegmentation([...train, ...copies], d, classIds.length, {
      warm: extends_ ? prev : null,
      seed: 0,
      maxMs: first ? LIVE_FIT_MS : CONTINUED_FIT_MS,
    });
    this.head = r.model;
    this.loss = r.loss;
    this.pending = !r.converged;
    const ids = train.map((t) => t.id),
      patchMs = performance.now() - t0;
    // the crop head follows the patch head's fit: the focused map goes out first, its regions are named once
    // the crop head has the new labels (regions.fit embeds their crops)
    const generation = this.generation;
    this.cropFit = this.cropFit.then(async () => {
      if (generation !== this.generation) return;
      const t1 = performance.now();
      const head = await this.regions.fit(ids);
      if (head)
        this.v.io.log(
          `crop head on ${head.regions} regions × ${head.views} views, ${head.classes.length} classes, ${head.iterations} iterations (${(performance.now() - t1).toFixed(0)} ms; patch head ${patchMs.toFixed(0)} ms)`,
        );
      // while the pool is embedded the whole publish waits; the evaluation reads labelled images only: now
      if ((this.v.embedded?.size ?? Infinity) < this.v.images.size) this.quality.afterFit();
    });
    const cue = this.regions.colourCue,
      agree = `colour agrees with the class for ${(cue.agreement * 100).toFixed(0)} % of labelled regions`;
    const aug = cue.cue ? ` (${agree}: colour kept)` : ` (+${copies.length} augmented copies; ${agree})`;
    const more = this.pending ? ' (not converged: fitting on)' : '';
    const val = train.filter((t) => isVal(t.id)).length;
    const held = val ? `, ${val} of them val-side (scored by a head fitted without the val side)` : '';
    return `${train.length} labelled images${aug}${held}, ${present.size} classes seen, ${r.iterations} iterations${more}, loss ${r.loss.toFixed(4)}`;
  }

  /** The augmented copies the served head learns from, of these images only (those not yet embedded left out). */
  copiesOf(images: (SegImage & { id: number })[]): Promise<SegImage[]> {
    return this.regions.copies(images, { embed: false });
  }

  /** The labelled regions of an annotated image (class index + 1 per pixel, 0 = none): its mask where it
   *  covers the image (an accepted or painted-out mask); scribbles are spread to their shapes as Enter would
   *  (the head's map refined with the strokes as hints), keeping only the regions a stroke of their own
   *  class touches. */
  labelledMap(id: number, m: Uint8Array, W: number, H: number, rgb: Uint8Array): Uint8Array {
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
  async pixels(id: number, w: number, h: number): Promise<Uint8Array> {
    const src = await this.v.readImage(id);
    const buf = await onBackground(sharp(src, { autoOrient: true }))
      .resize(w, h, { fit: 'fill' })
      .toColourspace('srgb')
      .raw()
      .toBuffer();
    return new Uint8Array(buf);
  }

  regionHead(): RegionHead | null {
    return this.regions.exported();
  }

  finishFit(): Promise<void> {
    return this.cropFit;
  }

  async refinePredictions(items: SegmentationPrediction[]): Promise<SegmentationPrediction[]> {
    await this.cropFit;
    return this.regions.name(items);
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
    io.send({ type: 'model', version: this.v.version, labelled, counts: {} });
    this.quality.afterPublish(lists);
  }
}

export const segmentation: TaskFactory = {
  name: 'segmentation',
  embedMode: 'grid',
  create: (v) => new SegmentationTask(v),
  exported: segmentationExport,
};
