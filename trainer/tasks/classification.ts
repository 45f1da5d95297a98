// Classification: gather train-split labels with their pooled features, fit the warm-started logistic
// head, predict, and publish suggestions and honest val metrics (accuracy, confusion) after each refit.
import type { ClassificationPrediction, ImageRef } from '../../server/protocol.ts';
import { fitLogReg, predictProba, type LogRegModel } from '../heads/logreg.ts';
import { isVal } from '../split.ts';
import type { EmbedResult } from '../types.ts';
import type { Shape } from '../feature-store.ts';
import { inSample, type RowPredictions } from '../sweep.ts';
import { ClassificationQuality } from '../quality/classification.ts';
import type { SweepState, TaskFactory, TrainerTask, TrainerView } from './task.ts';
import { classificationExport } from './classification-export.ts';

export interface TrainingRows { ids: number[]; X: Float32Array; y: Int32Array; d: number }

export class ClassificationTask implements TrainerTask {
  readonly name = 'classification' as const;
  readonly embedMode = 'pooled' as const;
  readonly predictChunk = 500;
  private head: LogRegModel | null = null;
  private ids: number[] = [];
  private loss = 0;
  /** evaluation, likely label errors and hints (issue 12), after each publish */
  readonly quality: ClassificationQuality;

  constructor(private v: TrainerView) { this.quality = new ClassificationQuality(this, v); }

  model() { return this.head; }
  classIds() { return this.ids; }
  reset() { this.head = null; this.ids = []; this.quality.reset(); }
  annotationChanged(imageId: number) { this.quality.forget(imageId); }
  labelledCount() { let n = 0; for (const a of this.v.ann.values()) if (a.kind === 'label') n++; return n; }

  /** Class ids that have at least one label, in the UI's class order (new classes append → warm start pads). */
  private labelledClassIds(): number[] {
    const used = new Set<number>();
    for (const a of this.v.ann.values()) if (a.kind === 'label' && a.classId !== null) used.add(a.classId);
    return this.v.classes.filter((c) => used.has(c.id)).map((c) => c.id);
  }

  trainingRows(split: 'train' | 'val'): TrainingRows {
    const index = new Map(this.ids.map((id, i) => [id, i]));
    const ids: number[] = [], vecs: Float32Array[] = [], ys: number[] = [];
    for (const a of this.v.ann.values()) {
      if (a.kind !== 'label' || a.classId === null || !index.has(a.classId)) continue;
      if (isVal(a.imageId) !== (split === 'val')) continue;
      const img = this.v.images.get(a.imageId);
      const vec = img && this.v.cache?.getPooled(img);
      if (!vec) continue;
      ids.push(a.imageId); vecs.push(vec); ys.push(index.get(a.classId)!);
    }
    const d = vecs[0]?.length ?? 0;
    const X = new Float32Array(ids.length * d);
    vecs.forEach((vec, i) => X.set(vec, i * d));
    return { ids, X, y: Int32Array.from(ys), d };
  }

  async fit(): Promise<string | null> {
    const classIds = this.labelledClassIds();
    const prev = this.head, prevIds = this.ids;
    const extends_ = prev && prevIds.length <= classIds.length && prevIds.every((id, i) => classIds[i] === id);
    this.ids = classIds;
    this.head = null;
    const train = this.trainingRows('train');
    if (classIds.length < 2 || new Set(train.y).size < 2) return null;
    const r = fitLogReg(train.X, train.y, train.ids.length, train.d, classIds.length, { warm: extends_ ? prev : null, seed: 0 });
    this.head = r.model; this.loss = r.loss;
    return `${train.ids.length} train labels, ${classIds.length} classes, ${r.iterations} iterations, loss ${r.loss.toFixed(4)}`;
  }

  probsFor(imgs: ImageRef[]): { ids: number[]; probs: Float32Array; feats: Float32Array; d: number } | null {
    const model = this.head;
    if (!model || !this.v.cache) return null;
    const ids: number[] = [], vecs: Float32Array[] = [];
    for (const i of imgs) { const vec = this.v.cache.getPooled(i); if (vec && vec.length === model.d) { ids.push(i.id); vecs.push(vec); } }
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
    const k = ids.length, C = model.C, d = model.d;
    const P = predictProba(model, values, k);
    const top = new Int32Array(k), unc = new Float32Array(k), conf = new Float32Array(k);
    for (let i = 0; i < k; i++) {
      let best = 0, t1 = 0, t2 = 0;
      for (let c = 0; c < C; c++) {
        const p = P[i * C + c];
        if (p > t1) { t2 = t1; t1 = p; best = c; } else if (p > t2) t2 = p;
      }
      top[i] = best; unc[i] = 1 - (t1 - t2); conf[i] = t1;
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
      let best = 0, t1 = 0, t2 = 0;
      for (let c = 0; c < C; c++) {
        const p = P[k * C + c];
        probs[String(this.ids[c])] = Math.round(p * 1e4) / 1e4;
        if (p > t1) { t2 = t1; t1 = p; best = c; } else if (p > t2) t2 = p;
      }
      return { imageId: id, classId: this.ids[best], probs, uncertainty: 1 - (t1 - t2) };
    });
  }

  private labelCounts(): number[] {
    const counts = new Map<number, number>();
    for (const a of this.v.ann.values()) if (a.classId !== null && a.kind === 'label') counts.set(a.classId, (counts.get(a.classId) ?? 0) + 1);
    return this.ids.map((id) => counts.get(id) ?? 0);
  }

  /**
   * Before the first model: the cold-start lists (typical images of clusters with no label yet) from the
   * features alone, so that `uncertain`, `diverse` and `typical` choose from the very first image instead
   * of falling back to sequential order until two classes have labels. The feature sample is the sweep's
   * (the same images it keeps once a model exists), read from the cache here since no sweep runs yet.
   * Only the lists that have something in them are sent: `class` and `minority` need a model and keep
   * saying "no trainer suggestions yet".
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
    for (const a of ann.values()) if (a.kind === 'label' && a.classId !== null) counts.set(a.classId, (counts.get(a.classId) ?? 0) + 1);
    const lists = await this.v.suggest({
      ids: packed.ids, probs: null, C: classIds.length, classIds, features: null, d: first.length, classCount: classIds.length,
      labelledIds: [...ann.keys()], labelCounts: classIds.map((id) => counts.get(id) ?? 0), limit: 200, sample: packed, seed: this.v.version,
    });
    if (!lists || this.head) return; // a model arrived meanwhile: its lists supersede these
    const nonEmpty = Object.fromEntries(Object.entries(lists).filter(([, ids]) => ids.length));
    if (Object.keys(nonEmpty).length) io.send({ type: 'suggestions', modelVersion: this.v.version, lists: nonEmpty });
  }

  async publish(sweep: SweepState): Promise<void> {
    const { io } = this.v;
    const model = this.head, classIds = this.ids;
    if (!model || sweep.C !== model.C) return;
    const counts = this.labelCounts();
    const lists = await this.v.suggest({
      ids: sweep.ids, probs: sweep.probs, C: sweep.C, classIds: classIds.slice(0, sweep.C), features: null, d: model.d,
      labelledIds: [...this.v.ann.keys()], labelCounts: counts, limit: 200, sample: packSample(sweep.sample, model.d),
      classCount: this.v.classes.length,
      seed: this.v.version, labelIssue: this.quality.labelIssue(sweep.ids),
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
    io.send({ type: 'model', version: this.v.version, labelled, counts: Object.fromEntries(classIds.map((id, i) => [String(id), counts[i]])) });
    this.quality.afterPublish(lists);
  }
}

export const classification: TaskFactory = { name: 'classification', embedMode: 'pooled', create: (v) => new ClassificationTask(v), exported: classificationExport };

/** The sweep's feature sample as the suggestion input wants it: ids and rows of width d, concatenated. */
export function packSample(sample: Map<number, Float32Array>, d: number): { ids: Int32Array; features: Float32Array } {
  const rows = [...sample].filter(([, f]) => f.length === d);
  const ids = new Int32Array(rows.length), features = new Float32Array(rows.length * d);
  rows.forEach(([id, f], k) => { ids[k] = id; features.set(f, k * d); });
  return { ids, features };
}
