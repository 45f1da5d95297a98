// Model quality for classification, after each publish: the val evaluation at once (one small predict),
// then in the background (SingleFlight, in slices) the k-fold out-of-sample predictions that rank likely
// label errors, the near-duplicate check (on pixels) and the hints. Nothing here runs before the refit's
// predictions are out, and a new label waits at most one slice.
import type { EvalImage, EvaluationMsg } from '../../common/protocol.ts';
import { MAX_EVAL_IMAGES } from '../../common/protocol.ts';
import { predictProba, type LogRegModel } from '../heads/logreg.ts';
import { expectedCalibrationError } from '../heads/calibrate.ts';
import type { TrainerView } from '../tasks/task.ts';
import { computeHints } from './hints.ts';
import { KFold } from './kfold.ts';
import { notReady, rankLabelIssues } from './label-issues.ts';
import { argmax, confusionMatrix, labelLoss, report } from './metrics.ts';
import { MAX_DUPLICATE_ROWS, PixelPrints, pixelDuplicates } from './pixel-duplicates.ts';
import { reviewFrames } from './review-frames.ts';
import { SingleFlight, Slicer } from './slices.ts';

interface Rows {
  ids: number[];
  X: Float32Array;
  y: Int32Array;
  d: number;
}
/** what this needs of the classification task (trainer/tasks/classification.ts) */
export interface ClassifierLike {
  model(): LogRegModel | null;
  classIds(): number[];
  labelledCount(): number;
  trainingRows(split: 'train' | 'val'): Rows;
  /** the temperature the shown probabilities are divided by, when calibrated */
  temperature?(): number;
}
interface Issue {
  updatedAt: number;
  score: number;
  flagged: boolean;
}

export class ClassificationQuality {
  private readonly kfold = new KFold(5);
  private readonly issues = new Map<number, Issue>();
  private readonly prints = new PixelPrints();
  private readonly job: SingleFlight;
  private evaluation: EvaluationMsg | null = null;
  private lists: Record<string, number[]> = {};

  constructor(
    private task: ClassifierLike,
    private v: TrainerView,
  ) {
    this.job = new SingleFlight(
      (alive) => this.background(alive),
      (e) => v.io.log(`model quality failed: ${e.stack}`),
    );
  }

  reset(): void {
    this.kfold.reset();
    this.issues.clear();
    this.job.cancel();
    this.evaluation = null;
  }
  /** a label changed: its old out-of-sample score no longer says anything about it */
  forget(imageId: number): void {
    this.issues.delete(imageId);
  }
  idle(): Promise<void> {
    return this.job.idle();
  }

  /** Per row of `ids`: how likely its label is wrong when the last k-fold run flagged it, else NaN (suggestions' `review`). */
  labelIssue(ids: ArrayLike<number>): Float64Array {
    return Float64Array.from(ids as ArrayLike<number>, (id) => {
      const it = this.issues.get(id),
        a = this.v.ann.get(id);
      return it?.flagged && a?.updatedAt === it.updatedAt ? it.score : NaN;
    });
  }

  /** Called by publish() once predictions and suggestions are out. */
  afterPublish(lists: Record<string, number[]>): void {
    this.lists = lists;
    this.evaluation = this.evaluate();
    if (this.evaluation) {
      this.v.io.send(this.evaluation);
      if (this.evaluation.macroF1 !== null)
        this.v.io.send({
          type: 'metric',
          name: 'val_macro_f1',
          step: this.evaluation.labelled,
          value: this.evaluation.macroF1,
        });
    }
    if (this.v.background !== false) this.job.schedule();
  }

  private evaluate(): EvaluationMsg | null {
    const model = this.task.model(),
      classIds = this.task.classIds();
    if (!model) return null;
    const C = model.C,
      val = this.task.trainingRows('val'),
      n = val.ids.length;
    const p = n ? predictProba(model, val.X, n) : new Float32Array(0);
    const pred = Int32Array.from({ length: n }, (_, i) => argmax(p, i * C, C));
    const matrix = confusionMatrix(val.y, pred, C);
    const r = report(matrix);
    const images: EvalImage[] = val.ids
      .map((id, i) => ({
        id,
        given: classIds[val.y[i]],
        predicted: classIds[pred[i]],
        confidence: round(p[i * C + pred[i]]),
        loss: round(labelLoss(p[i * C + val.y[i]])),
      }))
      .sort((a, b) => b.loss - a.loss || a.id - b.id)
      .slice(0, MAX_EVAL_IMAGES);
    return {
      type: 'evaluation',
      task: 'classification',
      modelVersion: this.v.version,
      labelled: this.task.labelledCount(),
      trainSize: this.task.trainingRows('train').ids.length,
      valSize: n,
      accuracy: r.accuracy,
      macroF1: r.macroF1,
      miou: null,
      ece: expectedCalibrationError(p, val.y, n, C),
      temperature: this.task.temperature?.() ?? null,
      classIds: classIds.slice(0, C),
      perClass: r.perClass.map((k, c) => ({
        classId: classIds[c],
        support: k.support,
        predicted: k.predicted,
        precision: k.precision,
        recall: k.recall,
        f1: k.f1,
      })),
      confusion: matrix,
      unit: 'images',
      images,
    };
  }

  private async background(alive: () => boolean): Promise<void> {
    const model = this.task.model();
    if (!model) return;
    const version = this.v.version,
      classIds = this.task.classIds().slice(0, model.C),
      C = model.C;
    const tr = this.task.trainingRows('train'),
      va = this.task.trainingRows('val');
    const ids = [...tr.ids, ...va.ids],
      d = tr.d || va.d,
      n = ids.length;
    if (!n || !d) return;
    const X = new Float32Array(n * d);
    X.set(tr.X);
    X.set(va.X, tr.X.length);
    const y = Int32Array.from([...tr.y, ...va.y]);
    const updatedAt = ids.map((id) => this.v.ann.get(id)?.updatedAt ?? 0);
    const slicer = new Slicer(25);
    const names = (id: number) => this.v.classes.find((k) => k.id === id)?.name ?? `#${id}`;
    // too few labels for held-out heads: say so, and spend nothing on folds
    const early = notReady(y, C, classIds, names);
    const oos = early ? null : await this.kfold.run({ ids, X, y, d, C }, slicer, alive, model);
    const { items, waiting, agreement } = oos
      ? rankLabelIssues({ ids, probs: oos.probs, y, C, classIds, updatedAt, names })
      : { items: [], waiting: early, agreement: null };
    this.issues.clear();
    for (const it of items) this.issues.set(it.id, { updatedAt: it.updatedAt, score: it.score, flagged: it.flagged });
    for (const f of reviewFrames(
      {
        task: 'classification',
        modelVersion: version,
        method: 'k-fold',
        folds: oos?.fitted ?? 0,
        labelled: n,
        waiting,
        agreement,
      },
      items,
    ))
      this.v.io.send(f);

    // near-identical pictures (by their pixels) labelled differently: among the most recently labelled rows
    const recent = ids
      .map((_, i) => i)
      .sort((a, b) => updatedAt[b] - updatedAt[a])
      .slice(0, MAX_DUPLICATE_ROWS);
    const prints = await this.prints.of(
      recent.map((i) => ({
        id: ids[i],
        sha: this.v.images.get(ids[i])?.sha256 ?? '',
        source: () => this.v.readImage(ids[i]),
      })),
      slicer,
      alive,
    );
    const dups = await pixelDuplicates(
      prints,
      recent.map((i) => y[i]),
      slicer,
      alive,
    );
    const labelOf = new Map(ids.map((id, i) => [id, classIds[y[i]]]));
    this.v.io.send({
      type: 'hints',
      modelVersion: version,
      hints: this.hints(
        dups.map((p) => ({ a: ids[recent[p.a]], b: ids[recent[p.b]] })),
        labelOf,
      ),
    });
  }

  private hints(duplicates: { a: number; b: number }[], labelOf: Map<number, number>) {
    const ev = this.evaluation,
      counts = new Map<number, number>();
    for (const a of this.v.ann.values())
      if (a.kind === 'label' && a.classId !== null) counts.set(a.classId, (counts.get(a.classId) ?? 0) + 1);
    const C = ev?.classIds.length ?? 0;
    const share = (id: number) =>
      ev ? ev.perClass.find((k) => k.classId === id)!.support / Math.max(1, ev.valSize) : 0;
    return computeHints({
      task: 'classification',
      classes: this.v.classes.map((k) => ({ id: k.id, name: k.name, count: counts.get(k.id) ?? 0 })),
      candidates: (id) => this.lists[`class:${id}`] ?? [],
      // chance: guessing uniformly, or always answering the most common val class, whichever is better
      val:
        ev && C
          ? {
              metric: 'accuracy',
              value: ev.accuracy,
              n: ev.valSize,
              chance: Math.max(1 / C, ...ev.classIds.map(share)),
              worst: ev.images.filter((i) => i.predicted !== i.given).map((i) => i.id),
            }
          : null,
      confusion: ev?.confusion
        ? {
            classIds: ev.classIds,
            matrix: ev.confusion,
            unit: 'images',
            images: (a, b) =>
              ev.images.filter((i) => i.given === ev.classIds[a] && i.predicted === ev.classIds[b]).map((i) => i.id),
          }
        : null,
      duplicates,
      labelOf: (id) => labelOf.get(id) ?? null,
    });
  }
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
