// Classification: gather train-split labels with their pooled features, fit the warm-started logistic
// head, predict, and publish suggestions and honest val metrics (accuracy, confusion) after each refit.
import type { ClassificationPrediction, ImageRef } from '../../common/protocol.ts';
import { fitLogReg, predictProba, type LogRegModel } from '../heads/logreg.ts';
import {
  CALIBRATION_ROWS,
  evenSample,
  fitTemperature,
  outOfFold,
  scaleModel,
  type FoldFit,
} from '../heads/calibrate.ts';
import { fitSliced } from '../quality/sliced-fit.ts';
import { SingleFlight, Slicer } from '../quality/slices.ts';

/** up to this many train labels the temperature is refitted at every refit, synchronously */
const CALIBRATE_NOW = 40;
import { isVal } from '../../common/split.ts';
import type { EmbedResult } from '../types.ts';
import type { Shape } from '../feature-store.ts';
import { inSample, type RowPredictions } from '../sweep.ts';
import { ClassificationQuality } from '../quality/classification.ts';
import type { SweepState, TaskFactory, TrainerTask, TrainerView } from './task.ts';
import { classificationExport } from './classification-export.ts';

export interface TrainingRows {
  ids: number[];
  X: Float32Array;
  y: Int32Array;
  d: number;
}

export class ClassificationTask implements TrainerTask {
  readonly name = 'classification' as const;
  readonly embedMode = 'pooled' as const;
  readonly predictChunk = 500;
  /** the calibrated head (raw / temperature): what predicts, is evaluated and exported */
  private head: LogRegModel | null = null;
  /** the head as fitted: what the next refit warm-starts from */
  private raw: LogRegModel | null = null;
  private ids: number[] = [];
  private loss = 0;
  /** the temperature, and the train-label count and class count it was fitted at */
  private temp = { T: 1, n: 0, C: 0 };
  /** evaluation, likely label errors and hints, after each publish */
  readonly quality: ClassificationQuality;

  private readonly calJob: SingleFlight;

  constructor(private v: TrainerView) {
    this.quality = new ClassificationQuality(this, v);
    this.calJob = new SingleFlight(
      (alive) => this.recalibrate(alive),
      (e) => v.io.log(`calibration failed: ${e.stack}`),
    );
  }

  model() {
    return this.head;
  }
  classIds() {
    return this.ids;
  }
  reset() {
    this.head = null;
    this.raw = null;
    this.ids = [];
    this.temp = { T: 1, n: 0, C: 0 };
    this.calJob.cancel();
    this.quality.reset();
  }
  /** the temperature the shown probabilities are divided by (calibrate.ts) */
  temperature() {
    return this.temp.T;
  }
  annotationChanged(imageId: number) {
    this.quality.forget(imageId);
  }
  labelledCount() {
    let n = 0;
    for (const a of this.v.ann.values()) if (a.kind === 'label') n++;
    return n;
  }

  /** Class ids that have at least one label, in the UI's class order (new classes append → warm start pads). */
  private labelledClassIds(): number[] {
    const used = new Set<number>();
    for (const a of this.v.ann.values()) if (a.kind === 'label' && a.classId !== null) used.add(a.classId);
    return this.v.classes.filter((c) => used.has(c.id)).map((c) => c.id);
  }

  trainingRows(split: 'train' | 'val'): TrainingRows {
    const index = new Map(this.ids.map((id, i) => [id, i]));
    const ids: number[] = [],
      vecs: Float32Array[] = [],
      ys: number[] = [];
    for (const a of this.v.ann.values()) {
      if (a.kind !== 'label' || a.classId === null || !index.has(a.classId)) continue;
      if (isVal(a.imageId) !== (split === 'val')) continue;
      const img = this.v.images.get(a.imageId);
      const vec = img && this.v.cache?.getPooled(img);
      if (!vec) continue;
      ids.push(a.imageId);
      vecs.push(vec);
      ys.push(index.get(a.classId)!);
    }
    const d = vecs[0]?.length ?? 0;
    const X = new Float32Array(ids.length * d);
    vecs.forEach((vec, i) => X.set(vec, i * d));
    return { ids, X, y: Int32Array.from(ys), d };
  }

  async fit(): Promise<string | null> {
    const classIds = this.labelledClassIds();
    const prev = this.raw,
      prevIds = this.ids;
    const extends_ = prev && prevIds.length <= classIds.length && prevIds.every((id, i) => classIds[i] === id);
    this.ids = classIds;
    this.head = null;
    this.raw = null;
    const train = this.trainingRows('train');
    if (classIds.length < 2 || new Set(train.y).size < 2) return null;
    const r = fitLogReg(train.X, train.y, train.ids.length, train.d, classIds.length, {
      warm: extends_ ? prev : null,
      seed: 0,
    });
    this.raw = r.model;
    this.loss = r.loss;
    const T = await this.calibrate(train, r.model);
    this.head = scaleModel(r.model, T);
    return `${train.ids.length} train labels, ${classIds.length} classes, ${r.iterations} iterations, loss ${r.loss.toFixed(4)}, temperature ${T.toFixed(2)}`;
  }

  /** The temperature for the shown probabilities (calibrate.ts): fitted on out-of-fold predictions of (a sample
   *  of) the train labels and on the val labels. While labels are few it is refitted at every refit, here; beyond
   *  CALIBRATE_NOW train labels in the background (in slices, off the label → prediction path) each time they
   *  have grown by a tenth, and the next refit takes it up. */
  private async calibrate(train: TrainingRows, raw: LogRegModel): Promise<number> {
    const n = train.ids.length,
      t = this.temp;
    if (t.C === raw.C && n > CALIBRATE_NOW && n < t.n * 1.1) return t.T;
    if (n > CALIBRATE_NOW && t.C === raw.C) {
      this.calJob.schedule();
      return t.T;
    }
    this.temp = { T: await this.temperatureFor(train, raw), n, C: raw.C };
    return this.temp.T;
  }

  private async temperatureFor(train: TrainingRows, raw: LogRegModel, fit?: FoldFit): Promise<number> {
    const rows = evenSample(train.ids.length, CALIBRATION_ROWS),
      d = train.d,
      C = raw.C;
    const X = new Float32Array(rows.length * d);
    rows.forEach((i, q) => X.set(train.X.subarray(i * d, (i + 1) * d), q * d));
    const y = Int32Array.from(rows, (i) => train.y[i]);
    const oof = await outOfFold(
      rows.map((i) => train.ids[i]),
      X,
      y,
      d,
      C,
      raw,
      fit,
    );
    const val = this.trainingRows('val');
    const pv = val.ids.length ? predictProba(raw, val.X, val.ids.length) : new Float32Array(0);
    const probs = new Float32Array(oof.length + pv.length);
    probs.set(oof);
    probs.set(pv, oof.length);
    return fitTemperature(probs, [...y, ...val.y], rows.length + val.ids.length, C);
  }

  /** the background recalibration: on the labels and head of the moment; kept if the classes did not change */
  private async recalibrate(alive: () => boolean): Promise<void> {
    const raw = this.raw;
    if (!raw) return;
    const train = this.trainingRows('train'),
      slicer = new Slicer();
    const T = await this.temperatureFor(
      train,
      raw,
      async (X, y, n, d, C, warm) => (await fitSliced(X, y, n, d, C, warm, slicer, alive)).model,
    );
    if (alive() && this.raw?.C === raw.C) this.temp = { T, n: train.ids.length, C: raw.C };
  }

  probsFor(imgs: ImageRef[]): { ids: number[]; probs: Float32Array; feats: Float32Array; d: number } | null {
    const model = this.head;
    if (!model || !this.v.cache) return null;
    const ids: number[] = [],
      vecs: Float32Array[] = [];
    for (const i of imgs) {
      const vec = this.v.cache.getPooled(i);
      if (vec && vec.length === model.d) {
        ids.push(i.id);
        vecs.push(vec);
      }
    }
    const feats = new Float32Array(ids.length * model.d);
    vecs.forEach((vec, k) => feats.set(vec, k * model.d));
    return { ids, probs: predictProba(model, feats, ids.length), feats, d: model.d };
  }

  predict(imgs: ImageRef[]): ClassificationPrediction[] {
    const r = this.probsFor(imgs);
    return r ? this.toPredictions(r.ids, r.probs) : [];
  }

  predictRows(ids: number[], values: Float32Array, shapes: Shape[]): RowPredictions | null {
    const model = this.head;
    if (!model || shapes.some((s) => s.d !== model.d)) return null;
    const k = ids.length,
      C = model.C,
      d = model.d;
    const P = predictProba(model, values, k);
    const top = new Int32Array(k),
      unc = new Float32Array(k),
      conf = new Float32Array(k);
    for (let i = 0; i < k; i++) {
      let best = 0,
        t1 = 0,
        t2 = 0;
      for (let c = 0; c < C; c++) {
        const p = P[i * C + c];
        if (p > t1) {
          t2 = t1;
          t1 = p;
          best = c;
        } else if (p > t2) t2 = p;
      }
      top[i] = best;
      unc[i] = 1 - (t1 - t2);
      conf[i] = t1;
    }
    return { top, unc, conf, probs: P, C, feature: (i) => values.subarray(i * d, (i + 1) * d) };
  }

  predictEmbedding(id: number, e: EmbedResult): ClassificationPrediction | null {
    const model = this.head;
    if (!model || !e.pooled || e.pooled.length !== model.d) return null;
    return this.toPredictions([id], predictProba(model, e.pooled, 1))[0];
  }

  private toPredictions(ids: number[], P: Float32Array): ClassificationPrediction[] {
    const C = this.ids.length;
    return ids.map((id, k) => {
      const probs: Record<string, number> = {};
      let best = 0,
        t1 = 0,
        t2 = 0;
      for (let c = 0; c < C; c++) {
        const p = P[k * C + c];
        probs[String(this.ids[c])] = Math.round(p * 1e4) / 1e4;
        if (p > t1) {
          t2 = t1;
          t1 = p;
          best = c;
        } else if (p > t2) t2 = p;
      }
      return { imageId: id, classId: this.ids[best], probs, uncertainty: 1 - (t1 - t2) };
    });
  }

  private labelCounts(): number[] {
    const counts = new Map<number, number>();
    for (const a of this.v.ann.values())
      if (a.classId !== null && a.kind === 'label') counts.set(a.classId, (counts.get(a.classId) ?? 0) + 1);
    return this.ids.map((id) => counts.get(id) ?? 0);
  }

  /**
   * Before the first model: the cold-start lists (typical images of clusters with no label yet) from the
   * features alone, so that `uncertain`, `diverse` and `typical` choose from the very first image instead
   * of falling back to sequential order until two classes have labels. The feature sample is the sweep's
   * (the same images it keeps once a model exists), read from the cache here since no sweep runs yet.
   * Only the lists that have something in them are sent: `class` and `minority` need a model; meanwhile the
   * server serves them from `typical`'s list and says so.
   */
  async publishCold(sample: Map<number, Float32Array>): Promise<void> {
    const { cache, images, ann, io } = this.v;
    if (!cache || this.head) return;
    const n = images.size;
    for (const img of images.values()) {
      if (sample.has(img.id) || !(ann.has(img.id) || inSample(img.id, n))) continue;
      const f = cache.getPooled(img);
      if (f) sample.set(img.id, f.slice());
    }
    const first = sample.values().next().value as Float32Array | undefined;
    if (!first) return;
    const packed = packSample(sample, first.length);
    const classIds = this.v.classes.map((c) => c.id);
    const counts = new Map<number, number>();
    for (const a of ann.values())
      if (a.kind === 'label' && a.classId !== null) counts.set(a.classId, (counts.get(a.classId) ?? 0) + 1);
    const lists = await this.v.suggest({
      ids: packed.ids,
      probs: null,
      C: classIds.length,
      classIds,
      features: null,
      d: first.length,
      classCount: classIds.length,
      labelledIds: [...ann.keys()],
      labelCounts: classIds.map((id) => counts.get(id) ?? 0),
      limit: 200,
      sample: packed,
      seed: this.v.version,
    });
    if (!lists || this.head) return; // a model arrived meanwhile: its lists supersede these
    const nonEmpty = Object.fromEntries(Object.entries(lists).filter(([, ids]) => ids.length));
    if (Object.keys(nonEmpty).length) io.send({ type: 'suggestions', modelVersion: this.v.version, lists: nonEmpty });
  }

  async publish(sweep: SweepState): Promise<void> {
    const { io } = this.v;
    const model = this.head,
      classIds = this.ids;
    if (!model || sweep.C !== model.C) return;
    const counts = this.labelCounts();
    const lists = await this.v.suggest({
      ids: sweep.ids,
      probs: sweep.probs,
      C: sweep.C,
      classIds: classIds.slice(0, sweep.C),
      features: null,
      d: model.d,
      labelledIds: [...this.v.ann.keys()],
      labelCounts: counts,
      limit: 200,
      sample: packSample(sweep.sample, model.d),
      classCount: this.v.classes.length,
      seed: this.v.version,
      labelIssue: this.quality.labelIssue(sweep.ids),
    });
    if (!lists || this.head !== model) return; // superseded by a newer refit's lists
    io.send({ type: 'suggestions', modelVersion: this.v.version, lists });
    const labelled = this.labelledCount();
    io.send({ type: 'metric', name: 'train_loss', step: labelled, value: this.loss });
    const val = this.trainingRows('val');
    if (val.ids.length) {
      const C = classIds.length;
      const p = predictProba(model, val.X, val.ids.length);
      const matrix = classIds.map(() => new Array(C).fill(0));
      let correct = 0;
      for (let i = 0; i < val.ids.length; i++) {
        let best = 0;
        for (let c = 1; c < C; c++) if (p[i * C + c] > p[i * C + best]) best = c;
        matrix[val.y[i]][best]++;
        if (best === val.y[i]) correct++;
      }
      io.send({ type: 'metric', name: 'val_accuracy', step: labelled, value: correct / val.ids.length });
      io.send({ type: 'confusion', classIds, matrix });
    }
    io.send({
      type: 'model',
      version: this.v.version,
      labelled,
      counts: Object.fromEntries(classIds.map((id, i) => [String(id), counts[i]])),
    });
    this.quality.afterPublish(lists);
  }
}

export const classification: TaskFactory = {
  name: 'classification',
  embedMode: 'pooled',
  create: (v) => new ClassificationTask(v),
  exported: classificationExport,
};

/** The sweep's feature sample as the suggestion input wants it: ids and rows of width d, concatenated. */
export function packSample(sample: Map<number, Float32Array>, d: number): { ids: Int32Array; features: Float32Array } {
  const rows = [...sample].filter(([, f]) => f.length === d);
  const ids = new Int32Array(rows.length),
    features = new Float32Array(rows.length * d);
  rows.forEach(([id, f], k) => {
    ids[k] = id;
    features.set(f, k * d);
  });
  return { ids, features };
}
