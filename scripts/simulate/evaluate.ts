// Scoring the live model on the held-out test set (segmentation: evaluate-seg.ts). The test images are embedded once, here, with the same
// backbone, resolution and code path as the trainer (trainer/embed.ts createEmbedder; segmentation grids
// rounded through fp16 like the trainer's cache), and the trainer's current head is read from its
// in-process state (trainer.impl, the task from the registry) — the sessions never see a test image.
import { createEmbedder } from '../../trainer/embed.ts';
import { decodeHalf, encodeHalf } from '../../trainer/fp16.ts';
import { fitLogReg, predictProba } from '../../trainer/heads/logreg.ts';
import { expectedCalibrationError, scaleModel } from '../../trainer/heads/calibrate.ts';
import type { Trainer } from '../../trainer/trainer.ts';
import type { ClassificationTask } from '../../trainer/tasks/classification.ts';
import type { Dataset, Item } from './dataset.ts';
import type { SimOptions } from './options.ts';
import { segTestSet, testPixels } from './evaluate-seg.ts';
import type { Grid, TestSet } from './test-set.ts';

export type { Grid, TestSet } from './test-set.ts';

const cls = (t: Trainer) => t.impl as ClassificationTask | null;

export async function prepareTestSet(ds: Dataset, o: SimOptions, say: (l: string) => void): Promise<TestSet> {
  const seg = ds.task === 'segmentation';
  const e = await createEmbedder({
    backbone: o.backbone,
    device: 'cpu',
    offline: true,
    resolution: o.resolution,
    segShortSide: o.resolution * 2,
    fallbackToTiny: o.backbone === 'tiny',
    fetchMissing: true,
  });
  const t0 = performance.now();
  const pooled: Float32Array[] = new Array(ds.test.length);
  const grids: Grid[] = new Array(ds.test.length);
  const r = await e.embedPaths(
    ds.test.map((i) => i.file),
    seg ? 'grid' : 'pooled',
    (res) => {
      if (!res.ok) throw new Error(`test image ${res.path}: ${res.error}`);
      pooled[res.index] = res.embedding.pooled;
      const g = res.embedding.grid;
      if (g) grids[res.index] = { h: g.h, w: g.w, data: decodeHalf(encodeHalf(g.data)) };
    },
  );
  await e.dispose();
  say(`test set: ${r.ok} images embedded in ${((performance.now() - t0) / 1000).toFixed(1)} s (${e.info.note})`);
  const nameIndex = new Map(ds.classNames.map((n, i) => [n, i]));
  /** model column → dataset class index (−1: a class the dataset does not know) */
  const columns = (t: Trainer, ids: number[]) =>
    ids.map((id) => nameIndex.get(t.classes.find((c) => c.id === id)?.name ?? '') ?? -1);
  return seg ? segTestSet(ds, grids, await testPixels(ds), columns) : clsTestSet(ds, pooled, columns);
}

function clsTestSet(ds: Dataset, pooled: Float32Array[], columns: (t: Trainer, ids: number[]) => number[]): TestSet {
  const n = pooled.length,
    d = pooled[0].length;
  const X = new Float32Array(n * d);
  pooled.forEach((v, i) => X.set(v, i * d));
  const score = (probs: Float32Array, C: number, col: number[]) => {
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let b = 0;
      for (let c = 1; c < C; c++) if (probs[i * C + c] > probs[i * C + b]) b = c;
      if (col[b] === ds.test[i].label) correct++;
    }
    return correct / n;
  };
  const testEce = (t: Trainer, raw: boolean) => {
    const task = cls(t),
      shown = task?.model();
    if (!task || !shown || shown.d !== d) return null;
    const m = raw ? scaleModel(shown, 1 / task.temperature()) : shown;
    // a test image of a class the model has no column for yet counts as wrong at any confidence
    const col = columns(t, task.classIds().slice(0, m.C)),
      at = new Map(col.map((c, k) => [c, k]));
    return expectedCalibrationError(
      predictProba(m, X, n),
      ds.test.map((it) => at.get(it.label) ?? -1),
      n,
      m.C,
    );
  };
  return {
    n,
    evaluate(t) {
      const m = cls(t)?.model();
      if (!m || m.d !== d) return null;
      return score(predictProba(m, X, n), m.C, columns(t, cls(t)!.classIds().slice(0, m.C)));
    },
    ece: (t) => testEce(t, false),
    eceRaw: (t) => testEce(t, true),
    async evaluateCold(t) {
      const task = cls(t),
        m = task?.model();
      if (!task || !m) return null;
      const tr = task.trainingRows('train');
      const r = fitLogReg(tr.X, tr.y, tr.ids.length, tr.d, task.classIds().length, { seed: 0 });
      return score(predictProba(r.model, X, n), r.model.C, columns(t, task.classIds().slice(0, r.model.C)));
    },
    ceiling(t, truthOf) {
      const rows: Float32Array[] = [],
        ys: number[] = [];
      for (const img of t.images.values()) {
        const v = t.cache?.getPooled(img),
          it = truthOf.get(img.id);
        if (v && it) {
          rows.push(v);
          ys.push(it.label);
        }
      }
      if (new Set(ys).size < 2) return null;
      const Xp = new Float32Array(rows.length * d);
      rows.forEach((v, i) => Xp.set(v, i * d));
      const C = ds.classNames.length;
      const r = fitLogReg(Xp, Int32Array.from(ys), rows.length, d, C, { seed: 0 });
      return score(
        predictProba(r.model, X, n),
        C,
        ds.classNames.map((_, i) => i),
      );
    },
  };
}

/** Segmentation "live accuracy": share of the painted pixels where the prediction shown agreed. */
export function scribbleAgreement(
  pred: { classIds: number[]; width: number; height: number; map: string } | null | undefined,
  scribbleIds: Uint8Array,
  W: number,
  H: number,
): { n: number; correct: number } | null {
  if (!pred || !pred.map) return null;
  const map = Buffer.from(pred.map, 'base64'),
    C = pred.classIds.length,
    gw = pred.width,
    gh = pred.height,
    n = gw * gh;
  let total = 0,
    correct = 0;
  for (let y = 0; y < H; y++) {
    const row = Math.min(gh - 1, Math.floor((y * gh) / H)) * gw;
    for (let x = 0; x < W; x++) {
      const v = scribbleIds[y * W + x];
      if (!v) continue;
      const p = row + Math.min(gw - 1, Math.floor((x * gw) / W));
      let b = 0;
      for (let c = 1; c < C; c++) if (map[c * n + p] > map[b * n + p]) b = c;
      total++;
      if (pred.classIds[b] === v) correct++;
    }
  }
  return total ? { n: total, correct } : null;
}
