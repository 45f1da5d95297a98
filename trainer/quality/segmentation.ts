// Model quality for segmentation, after each publish, in the background (SingleFlight, in slices): the val
// evaluation at the patch grid (per-class IoU, mIoU, patch confusion, per-image IoU and loss, the val_miou
// curve) by a head fitted without the val images (seg-held-out.ts: the served head learns from them too),
// likely label errors as per-image patch disagreement (the share of an image's labelled patches a head predicts
// as another class: the served head, in-sample, for train-side images, so it understates their errors; the
// held-out head for val-side ones), hints, and last the val images' accepted masks scored per pixel
// (seg-accepted.ts: that head's map refined, named by a crop head fitted on the same train side).
import type { EvalImage, EvaluationMsg, ReviewItem } from '../../common/protocol.ts';
import { MAX_EVAL_IMAGES } from '../../common/protocol.ts';
import { reviewFrames } from './review-frames.ts';
import { predictProba, type LogRegModel } from '../heads/logreg.ts';
import { IGNORE, type SegImage } from '../heads/segmentation.ts';
import type { TrainerView } from '../tasks/task.ts';
import { computeHints } from './hints.ts';
import { argmax, confusionMatrix, labelLoss, report } from './metrics.ts';
import { Cancelled, SingleFlight, Slicer } from './slices.ts';
import { HeldOutHead } from './seg-held-out.ts';
import { AcceptedMasks, type AcceptedSource } from './seg-accepted.ts';
import type { RegionNamer } from '../heads/seg-naming.ts';

/** an image is flagged when the head predicts another class on at least this share of its labelled patches */
export const FLAG_DISAGREEMENT = 0.25;
type Labelled = SegImage & { id: number };
export interface SegmenterLike {
  model(): LogRegModel | null;
  classIds(): number[];
  labelledCount(): number;
  labelledImages(split: 'train' | 'val' | 'all'): Promise<Labelled[]>;
  /** the augmented copies the served head learns from, of these images only (none: no copies) */
  copiesOf?(images: Labelled[]): Promise<SegImage[]>;
}
/** What the val images' accepted masks are read and named with (segmentation-regions.ts). */
export interface AcceptedReader {
  acceptedSource(): AcceptedSource;
  /** the region namer of a crop head fitted on these (train-side) images only, with a key naming it */
  heldOutNamer(ids: number[]): Promise<{ namer: RegionNamer; key: string } | null>;
}
/** per-class IoU curves go out for at most this many classes (the server keeps 32 metric names in all) */
const MAX_IOU_CLASSES = 20;
interface Scored {
  id: number;
  truth: Int32Array;
  pred: Int32Array;
  pLabel: Float64Array;
  pPred: Float64Array;
}

const mode = (xs: ArrayLike<number>, C: number): number | null => {
  const n = new Array<number>(C).fill(0);
  for (let i = 0; i < xs.length; i++) n[xs[i]]++;
  const best = argmax(n, 0, C);
  return n[best] ? best : null;
};
const round = (x: number) => Math.round(x * 1e4) / 1e4;

export class SegmentationQuality {
  private readonly job: SingleFlight;
  private lists: Record<string, number[]> = {};
  private issues = new Map<number, { updatedAt: number; score: number; flagged: boolean }>();
  /** the head the val side is scored by: fitted on the train side only */
  readonly heldOut = new HeldOutHead();
  /** the val images' accepted masks, scored per pixel */
  readonly accepted = new AcceptedMasks();
  private lastAccepted: { key: string; block: EvaluationMsg['accepted'] } | null = null;

  constructor(
    private task: SegmenterLike,
    private v: TrainerView,
    /** none: no per-pixel evaluation of the accepted masks */
    private reader: AcceptedReader | null = null,
  ) {
    this.job = new SingleFlight(
      (alive) => this.background(alive),
      (e) => v.io.log(`model quality failed: ${e.stack}`),
    );
  }
  reset(): void {
    this.job.cancel();
    this.issues.clear();
    this.heldOut.reset();
    this.accepted.reset();
    this.lastAccepted = null;
  }
  forget(imageId: number): void {
    this.issues.delete(imageId);
  }
  idle(): Promise<void> {
    return this.job.idle();
  }
  afterPublish(lists: Record<string, number[]>): void {
    this.lists = lists;
    this.job.schedule();
  }
  /** A new model before its lists are out (the pool is still being embedded): the evaluation need not wait. */
  afterFit(): void {
    this.job.schedule();
  }
  labelIssue(ids: ArrayLike<number>): Float64Array {
    return Float64Array.from(ids as ArrayLike<number>, (id) => {
      const it = this.issues.get(id),
        a = this.v.ann.get(id);
      return it?.flagged && a?.updatedAt === it.updatedAt ? it.score : NaN;
    });
  }

  /** Labelled patches of one image with the head's prediction and probabilities. */
  private score(model: LogRegModel, im: Labelled): Scored {
    const C = model.C,
      d = model.d,
      rows: number[] = [];
    for (let p = 0; p < im.labels.length; p++) if (im.labels[p] !== IGNORE && im.labels[p] < C) rows.push(p);
    const X = new Float32Array(rows.length * d);
    rows.forEach((p, q) => X.set(im.features.subarray(p * d, (p + 1) * d), q * d));
    const P = predictProba(model, X, rows.length);
    const truth = Int32Array.from(rows, (p) => im.labels[p]),
      pred = Int32Array.from(rows, (_, q) => argmax(P, q * C, C));
    return {
      id: im.id,
      truth,
      pred,
      pLabel: Float64Array.from(rows, (_, q) => P[q * C + truth[q]]),
      pPred: Float64Array.from(rows, (_, q) => P[q * C + pred[q]]),
    };
  }

  private async scoreAll(
    model: LogRegModel,
    images: Labelled[],
    slicer: Slicer,
    alive: () => boolean,
  ): Promise<Scored[]> {
    const out: Scored[] = [];
    for (const im of images) {
      out.push(this.score(model, im));
      await slicer.pause();
      if (!alive()) throw new Cancelled();
    }
    return out;
  }

  /** The head fitted on the train side (with its copies), or null where that has fewer than two classes. */
  private async heldOutHead(model: LogRegModel, train: Labelled[], slicer: Slicer, alive: () => boolean) {
    const copies = (await this.task.copiesOf?.(train)) ?? [];
    if (!alive()) throw new Cancelled();
    const key = [
      train.map((t) => `${t.id}:${this.v.ann.get(t.id)?.updatedAt ?? 0}`).join(','),
      copies.length,
      this.task.classIds().join(','),
    ].join('|');
    return { head: await this.heldOut.get([...train, ...copies], key, model.d, model.C, slicer, alive), key };
  }

  /** The val evaluation from the val images' scores by the held-out head; sent with the val_miou / val_iou curves
   *  when `send`. */
  private evaluate(
    version: number,
    C: number,
    classIds: number[],
    val: Scored[],
    trainSize: number,
    send: boolean,
    accepted?: EvaluationMsg['accepted'],
  ) {
    const cat = (xs: Scored[], k: 'truth' | 'pred') => Int32Array.from(xs.flatMap((s) => [...s[k]]));
    const matrix = confusionMatrix(cat(val, 'truth'), cat(val, 'pred'), C);
    const r = report(matrix);
    const images: EvalImage[] = val
      .filter((s) => s.truth.length)
      .map((s) => {
        const n = s.truth.length,
          g = mode(s.truth, C),
          p = mode(s.pred, C);
        return {
          id: s.id,
          given: g === null ? null : classIds[g],
          predicted: p === null ? null : classIds[p],
          confidence: round(s.pPred.reduce((a, b) => a + b, 0) / n),
          loss: round(s.pLabel.reduce((a, b) => a + labelLoss(b), 0) / n),
          iou: round(report(confusionMatrix(s.truth, s.pred, C)).miou ?? 0),
        };
      })
      .sort((a, b) => b.loss - a.loss || a.id - b.id);
    const evaluation: EvaluationMsg = {
      type: 'evaluation',
      task: 'segmentation',
      modelVersion: version,
      labelled: this.task.labelledCount(),
      trainSize,
      valSize: val.length,
      accuracy: r.accuracy,
      macroF1: r.macroF1,
      miou: r.miou,
      classIds,
      perClass: r.perClass.map((k, c) => ({
        classId: classIds[c],
        support: k.support,
        predicted: k.predicted,
        precision: k.precision,
        recall: k.recall,
        f1: k.f1,
        iou: k.iou,
      })),
      confusion: matrix,
      unit: 'patches',
      images: images.slice(0, MAX_EVAL_IMAGES),
      ...(accepted ? { accepted } : {}),
    };
    if (send) this.v.io.send(evaluation);
    if (send && val.length && r.miou !== null) {
      const step = this.task.labelledCount(),
        metric = (name: string, value: number) => this.v.io.send({ type: 'metric', name, step, value });
      metric('val_miou', r.miou);
      const ious = r.perClass.map((k, c) => ({ classId: classIds[c], iou: k.iou })).filter((k) => k.iou !== null);
      if (ious.length <= MAX_IOU_CLASSES) for (const k of ious) metric(`val_iou:${k.classId}`, k.iou!);
    }
    return { matrix, r, images, evaluation };
  }

  private async background(alive: () => boolean): Promise<void> {
    const model = this.task.model();
    if (!model) return;
    const version = this.v.version,
      C = model.C,
      classIds = this.task.classIds().slice(0, C),
      slicer = new Slicer(25, () => this.v.busy?.() ?? false);
    // (an image embedded with another backbone is left out)
    const usable = (ims: Labelled[]) => ims.filter((im) => im.features.length === im.labels.length * model.d);
    const valImages = usable(await this.task.labelledImages('val')),
      trainImages = usable(await this.task.labelledImages('train'));
    // the val side scored by the held-out head; with fewer than two classes on the train side there is none,
    // and no evaluation (the val images are then scored by the served head, for the review only)
    const fitted = valImages.length ? await this.heldOutHead(model, trainImages, slicer, alive) : null,
      scorer = fitted?.head ?? null;
    const held = await this.scoreAll(scorer ?? model, valImages, slicer, alive),
      val = scorer ? held : [];
    // the accepted masks' figures of the same heads and val masks go out again at once (they are the same)
    const acceptedKey = fitted
      ? `${fitted.key}|${valImages.map((im) => `${im.id}:${this.v.ann.get(im.id)?.updatedAt ?? 0}`).join(',')}`
      : '';
    const carried = scorer && this.lastAccepted?.key === acceptedKey ? this.lastAccepted.block : undefined;
    const { matrix, r, images, evaluation } = this.evaluate(
      version,
      C,
      classIds,
      val,
      trainImages.length,
      !held.length || !!scorer,
      carried,
    );
    if (this.v.background === false) return;
    const train = await this.scoreAll(model, trainImages, slicer, alive);
    const items: ReviewItem[] = [];
    for (const s of [...train, ...held]) {
      const wrong = [...s.truth.keys()].filter((q) => s.truth[q] !== s.pred[q]);
      if (!s.truth.length) continue;
      const share = wrong.length / s.truth.length,
        g = mode(
          wrong.map((q) => s.truth[q]),
          C,
        ),
        p = mode(
          wrong.map((q) => s.pred[q]),
          C,
        );
      items.push({
        id: s.id,
        given: g === null ? classIds[mode(s.truth, C)!] : classIds[g],
        suggested: p === null ? null : classIds[p],
        score: round(share),
        flagged: share >= FLAG_DISAGREEMENT && wrong.length >= 2,
        updatedAt: this.v.ann.get(s.id)?.updatedAt ?? 0,
      });
    }
    items.sort((a, b) => b.score - a.score || a.id - b.id);
    this.issues = new Map(items.map((it) => [it.id, it]));
    for (const f of reviewFrames(
      {
        task: 'segmentation',
        modelVersion: version,
        method: 'patches',
        folds: 0,
        labelled: items.length,
        waiting: null,
        agreement: null,
      },
      items,
    ))
      this.v.io.send(f);

    const shows = new Array<number>(C).fill(0),
      patches = new Array<number>(C).fill(0);
    for (const s of [...train, ...held]) {
      const seen = new Set<number>();
      for (const t of s.truth) {
        patches[t]++;
        seen.add(t);
      }
      for (const t of seen) shows[t]++;
    }
    const cells = new Map(
      val.map((s) => [
        s.id,
        new Set([...s.truth.keys()].filter((q) => s.truth[q] !== s.pred[q]).map((q) => `${s.truth[q]}:${s.pred[q]}`)),
      ]),
    );
    const index = new Map(classIds.map((id, c) => [id, c]));
    const hints = computeHints({
      task: 'segmentation',
      units: { count: 'labelled image', weight: 'labelled patches' },
      classes: this.v.classes.map((k) => ({
        id: k.id,
        name: k.name,
        count: index.has(k.id) ? shows[index.get(k.id)!] : 0,
      })),
      weights: this.v.classes.map((k) => (index.has(k.id) ? patches[index.get(k.id)!] : 0)),
      candidates: (id) => this.lists[`class:${id}`] ?? [],
      val: { metric: 'mIoU', value: r.miou, n: val.length, chance: 1 / C, worst: images.map((i) => i.id) },
      confusion: {
        classIds,
        matrix,
        unit: 'patches',
        images: (a, b) => val.filter((s) => cells.get(s.id)!.has(`${a}:${b}`)).map((s) => s.id),
      },
      duplicates: [],
    });
    this.v.io.send({ type: 'hints', modelVersion: version, hints });
    if (scorer && fitted && !carried) {
      const block = await this.sendAccepted(evaluation, scorer, fitted.key, trainImages, valImages, slicer, alive);
      if (block) this.lastAccepted = { key: acceptedKey, block };
    }
  }

  /** The evaluation again, with the val images' accepted masks scored per pixel (seg-accepted.ts) by the held-out
   *  patch head and a crop head fitted on the same train side, and the val_miou_accepted curve. */
  private async sendAccepted(
    evaluation: EvaluationMsg,
    scorer: LogRegModel,
    patchKey: string,
    train: Labelled[],
    val: Labelled[],
    slicer: Slicer,
    alive: () => boolean,
  ): Promise<EvaluationMsg['accepted']> {
    const src = this.reader?.acceptedSource();
    if (!src) return null;
    const named = (await this.reader?.heldOutNamer(train.map((t) => t.id))) ?? null;
    if (!alive()) throw new Cancelled();
    const got = await this.accepted.score(
      src,
      scorer,
      named?.namer ?? null,
      `${patchKey}#${named?.key ?? ''}`,
      val.map((v) => v.id),
      (id) => this.v.ann.get(id)?.updatedAt ?? 0,
      slicer,
      alive,
    );
    if (!got.images) return null;
    const r = report(got.matrix),
      diag = got.matrix.reduce((a, row, c) => a + row[c], 0);
    const accepted = {
      miou: r.miou === null ? null : round(r.miou),
      pixelAccuracy: r.n ? round(diag / r.n) : null,
      images: got.images,
      named: !!named,
      perClass: r.perClass.map((k, c) => ({
        classId: evaluation.classIds[c],
        iou: k.iou === null ? null : round(k.iou),
      })),
    };
    this.v.io.send({ ...evaluation, accepted });
    if (r.miou !== null)
      this.v.io.send({ type: 'metric', name: 'val_miou_accepted', step: this.task.labelledCount(), value: r.miou });
    return accepted;
  }
}
