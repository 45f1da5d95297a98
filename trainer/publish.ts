// After a refit and re-prediction: suggestions, honest metrics on the val split, model summary.
import { computeSuggestions } from './suggestions.ts';
import { probsFor, trainingRows } from './fit-classify.ts';
import { labelledImages, predictSegmentation, predictSegmentationGrid } from './fit-segment.ts';
import type { SegmentationPrediction } from '../server/protocol.ts';
import { predictProba } from './heads/logreg.ts';
import { IGNORE } from './heads/segmentation.ts';
import type { Trainer } from './trainer.ts';

export function publishAfterPredict(t: Trainer): void {
  if (t.task === 'segmentation') void publishSegmentation(t).catch((e) => t.io.log(`publishing failed: ${(e as Error).stack}`));
  else publishClassification(t);
}

function labelCounts(t: Trainer, classIds: number[]): number[] {
  const counts = new Map<number, number>();
  for (const a of t.ann.values()) if (a.classId !== null && a.kind === 'label') counts.set(a.classId, (counts.get(a.classId) ?? 0) + 1);
  return classIds.map((id) => counts.get(id) ?? 0);
}

function publishClassification(t: Trainer): void {
  const { classIds, model } = t.cls;
  if (!model) return;
  const all = [...t.images.values()];
  const r = probsFor(t, all);
  if (!r) return;
  const lists = computeSuggestions({
    ids: r.ids, probs: r.probs, C: classIds.length, classIds, features: r.feats, d: r.d,
    labelledIds: [...t.ann.keys()], labelCounts: labelCounts(t, classIds), limit: 200,
  });
  t.io.send({ type: 'suggestions', modelVersion: t.version, lists });
  const labelled = [...t.ann.values()].filter((a) => a.kind === 'label').length;
  t.io.send({ type: 'metric', name: 'train_loss', step: labelled, value: t.cls.loss ?? 0 });
  const val = trainingRows(t, 'val');
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
    t.io.send({ type: 'metric', name: 'val_accuracy', step: labelled, value: correct / val.ids.length });
    t.io.send({ type: 'confusion', classIds, matrix });
  }
  t.io.send({ type: 'model', version: t.version, labelled, counts: Object.fromEntries(classIds.map((id, i) => [String(id), labelCounts(t, classIds)[i]])) });
}

async function publishSegmentation(t: Trainer): Promise<void> {
  const { classIds, model } = t.seg;
  if (!model || !t.cache) return;
  // image-level view for the suggestion strategies: mean class probability and mean patch feature per image
  const preds: SegmentationPrediction[] = [];
  const feats: Float32Array[] = [];
  for (const img of t.images.values()) {
    const g = t.cache.getGrid(img.sha256);
    const p = g && predictSegmentationGrid(t, img.id, g);
    if (!g || !p) continue;
    preds.push(p);
    const f = new Float32Array(g.d);
    for (let q = 0; q < g.h * g.w; q++) for (let k = 0; k < g.d; k++) f[k] += g.data[q * g.d + k];
    feats.push(f.map((v) => v / (g.h * g.w)));
  }
  const C = model.C, d = model.d;
  const probs = new Float32Array(preds.length * C);
  preds.forEach((p, k) => {
    const m = Buffer.from(p.map, 'base64'); const n = p.width * p.height;
    for (let c = 0; c < C; c++) { let s = 0; for (let q = 0; q < n; q++) s += m[c * n + q]; probs[k * C + c] = s / n / 255; }
  });
  const features = new Float32Array(preds.length * d);
  feats.forEach((f, k) => features.set(f, k * d));
  // "minority" for segmentation: the class with the fewest labelled patches
  const patchCounts = classIds.map(() => 0);
  for (const { labels } of t.seg.labels.values()) for (const v of labels) if (v >= 0 && v < patchCounts.length) patchCounts[v]++;
  const lists = computeSuggestions({
    ids: preds.map((p) => p.imageId), probs, C, classIds: classIds.slice(0, C), features, d,
    labelledIds: [...t.ann.keys()], labelCounts: patchCounts.slice(0, C), limit: 200,
  });
  // for segmentation "uncertain" means the highest mean per-patch uncertainty
  lists.uncertain = preds.filter((p) => !t.ann.has(p.imageId)).sort((a, b) => b.uncertainty - a.uncertainty).slice(0, 200).map((p) => p.imageId);
  t.io.send({ type: 'suggestions', modelVersion: t.version, lists });
  const labelled = [...t.ann.values()].filter((a) => a.kind === 'mask').length;
  t.io.send({ type: 'metric', name: 'train_loss', step: labelled, value: t.seg.loss ?? 0 });
  const val = await labelledImages(t, 'val');
  if (val.length) {
    const inter = new Float64Array(C), union = new Float64Array(C);
    for (const im of val) {
      const img = t.images.get(im.id)!;
      const p = predictSegmentation(t, [img])[0];
      if (!p) continue;
      const m = Buffer.from(p.map, 'base64'); const n = p.width * p.height;
      for (let q = 0; q < n; q++) {
        const y = im.labels[q];
        if (y === IGNORE) continue;
        let b = 0; for (let c = 1; c < C; c++) if (m[c * n + q] > m[b * n + q]) b = c;
        if (b === y) inter[y]++; union[y]++; if (b !== y) union[b]++;
      }
    }
    const ious = [...union.keys()].filter((c) => union[c] > 0).map((c) => inter[c] / union[c]);
    if (ious.length) t.io.send({ type: 'metric', name: 'val_miou', step: labelled, value: ious.reduce((a, b) => a + b, 0) / ious.length });
  }
  t.io.send({ type: 'model', version: t.version, labelled, counts: {} });
}
