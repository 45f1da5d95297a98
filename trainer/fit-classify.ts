// Classification: gather train-split labels with features, fit the warm-started logistic head, predict.
import type { ClassificationPrediction, ImageRef } from '../server/protocol.ts';
import { fitLogReg, predictProba, type LogRegModel } from './heads/logreg.ts';
import { isVal } from './split.ts';
import type { Trainer } from './trainer.ts';

export interface ClsState { model: LogRegModel | null; classIds: number[]; loss?: number; iterations?: number }

/** Class ids that have at least one label, in the UI's class order (new classes append → warm start pads). */
export function labelledClassIds(t: Trainer): number[] {
  const used = new Set<number>();
  for (const a of t.ann.values()) if (a.kind === 'label' && a.classId !== null) used.add(a.classId);
  return t.classes.filter((c) => used.has(c.id)).map((c) => c.id);
}

export function trainingRows(t: Trainer, split: 'train' | 'val'): { ids: number[]; X: Float32Array; y: Int32Array; d: number } {
  const classIds = t.cls.classIds;
  const index = new Map(classIds.map((id, i) => [id, i]));
  const ids: number[] = [], vecs: Float32Array[] = [], ys: number[] = [];
  for (const a of t.ann.values()) {
    if (a.kind !== 'label' || a.classId === null || !index.has(a.classId)) continue;
    if (isVal(a.imageId) !== (split === 'val')) continue;
    const img = t.images.get(a.imageId);
    const v = img && t.cache?.getPooled(img.sha256);
    if (!v) continue;
    ids.push(a.imageId); vecs.push(v); ys.push(index.get(a.classId)!);
  }
  const d = vecs[0]?.length ?? 0;
  const X = new Float32Array(ids.length * d);
  vecs.forEach((v, i) => X.set(v, i * d));
  return { ids, X, y: Int32Array.from(ys), d };
}

/** Returns a short description of the fit, or null when there is nothing to fit yet. */
export function fitClassification(t: Trainer): string | null {
  const classIds = labelledClassIds(t);
  const prev = t.cls;
  const extends_ = prev.model && prev.classIds.length <= classIds.length && prev.classIds.every((id, i) => classIds[i] === id);
  t.cls = { model: extends_ ? prev.model : null, classIds };
  const train = trainingRows(t, 'train');
  const present = new Set(train.y);
  if (classIds.length < 2 || present.size < 2) { t.cls.model = null; return null; }
  const r = fitLogReg(train.X, train.y, train.ids.length, train.d, classIds.length, { warm: extends_ ? prev.model : null, seed: 0 });
  t.cls = { model: r.model, classIds, loss: r.loss, iterations: r.iterations };
  return `${train.ids.length} train labels, ${classIds.length} classes, ${r.iterations} iterations, loss ${r.loss.toFixed(4)}`;
}

export function probsFor(t: Trainer, imgs: ImageRef[]): { ids: number[]; probs: Float32Array; feats: Float32Array; d: number } | null {
  const model = t.cls.model;
  if (!model || !t.cache) return null;
  const ids: number[] = [], vecs: Float32Array[] = [];
  for (const i of imgs) { const v = t.cache.getPooled(i.sha256); if (v && v.length === model.d) { ids.push(i.id); vecs.push(v); } }
  const feats = new Float32Array(ids.length * model.d);
  vecs.forEach((v, k) => feats.set(v, k * model.d));
  return { ids, probs: predictProba(model, feats, ids.length), feats, d: model.d };
}

export function predictClassification(t: Trainer, imgs: ImageRef[]): ClassificationPrediction[] {
  const r = probsFor(t, imgs);
  return r ? toPredictions(t, r.ids, r.probs) : [];
}

/** One feature vector that is not in the cache (an uploaded image). */
export function predictClassificationVector(t: Trainer, id: number, v: Float32Array): ClassificationPrediction | null {
  const model = t.cls.model;
  if (!model || v.length !== model.d) return null;
  return toPredictions(t, [id], predictProba(model, v, 1))[0];
}

function toPredictions(t: Trainer, ids: number[], P: Float32Array): ClassificationPrediction[] {
  const C = t.cls.classIds.length;
  return ids.map((id, k) => {
    const probs: Record<string, number> = {};
    let best = 0, t1 = 0, t2 = 0;
    for (let c = 0; c < C; c++) {
      const p = P[k * C + c];
      probs[String(t.cls.classIds[c])] = Math.round(p * 1e4) / 1e4;
      if (p > t1) { t2 = t1; t1 = p; best = c; } else if (p > t2) t2 = p;
    }
    return { imageId: id, classId: t.cls.classIds[best], probs, uncertainty: 1 - (t1 - t2) };
  });
}
