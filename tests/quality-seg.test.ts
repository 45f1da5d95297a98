// @vitest-environment node
// Segmentation quality (trainer/quality/segmentation.ts) on synthetic patch grids: the val evaluation at the
// patch grid (per-class IoU from the same confusion as report()) by a head fitted on the train side only, the
// image whose painted labels were swapped comes first in the review and is flagged, and hints follow.
import { describe, expect, it } from 'vitest';
import { fitSegmentation, IGNORE } from '../trainer/heads/segmentation.ts';
import { predictProba, type LogRegModel } from '../trainer/heads/logreg.ts';
import { SegmentationQuality } from '../trainer/quality/segmentation.ts';
import { confusionMatrix, report } from '../trainer/quality/metrics.ts';
import { isVal } from '../common/split.ts';
import { gauss, mulberry32 } from '../trainer/rng.ts';
import type { TrainerToServer } from '../common/protocol.ts';
import { Slicer } from '../trainer/quality/slices.ts';

const d = 8,
  C = 3,
  side = 4,
  n = side * side;
const r = mulberry32(9);
const centres = Array.from({ length: C }, () => Array.from({ length: d }, () => 3 * gauss(r)));
/** an image: left half class 0, right half class 1 or 2; labels as painted (`swap`: 1 ↔ 2, a careless mask) */
function image(id: number, right: number, swap = false) {
  const features = new Float32Array(n * d),
    labels = new Int32Array(n).fill(IGNORE);
  for (let p = 0; p < n; p++) {
    const c = p % side < side / 2 ? 0 : right;
    for (let j = 0; j < d; j++) features[p * d + j] = centres[c][j] + 0.5 * gauss(r);
    if (p % 3 !== 2) labels[p] = swap && c ? 3 - c : c; // some patches left unpainted
  }
  return { id, features, labels };
}

type Img = ReturnType<typeof image>;
/** The painted patches of these images: their labels and the head's top class. */
function painted(model: LogRegModel, imgs: Img[]) {
  const truth: number[] = [],
    pred: number[] = [];
  for (const im of imgs) {
    const P = predictProba(model, im.features, n);
    for (let p = 0; p < n; p++)
      if (im.labels[p] !== IGNORE) {
        truth.push(im.labels[p]);
        pred.push([0, 1, 2].reduce((b, c) => (P[p * C + c] > P[p * C + b] ? c : b), 0));
      }
  }
  return { truth, pred };
}
/** A SegmentationQuality over these images with `served` as the served head, background work off (the val
 *  evaluation still runs); `sent` collects its frames, `ann` its annotations (updatedAt 1). */
function valOnly(served: LogRegModel, train: Img[], val: Img[]) {
  const imgs = [...train, ...val];
  const sent: TrainerToServer[] = [];
  const ann = new Map(imgs.map((i) => [i.id, { imageId: i.id, kind: 'mask' as const, classId: null, updatedAt: 1 }]));
  const view = {
    classes: [10, 11, 12].map((id, position) => ({ id, name: `c${id}`, color: '#000', position })),
    images: new Map(),
    ann,
    cache: null,
    version: 1,
    background: false,
    io: { send: (m: TrainerToServer) => sent.push(m), log: () => {}, httpBase: '', httpHeaders: undefined },
  };
  const task = {
    model: () => served,
    classIds: () => [10, 11, 12],
    labelledCount: () => imgs.length,
    labelledImages: async (s: 'train' | 'val' | 'all') => (s === 'val' ? val : s === 'train' ? train : imgs),
  };
  return { q: new SegmentationQuality(task, view as never), sent, ann };
}

describe('segmentation quality', () => {
  it('evaluates the val images per class, flags the swapped mask first, sends hints', async () => {
    const imgs = Array.from({ length: 40 }, (_, k) => image(k + 1, 1 + (k % 2), k + 1 === 7));
    expect(isVal(7)).toBe(false); // the swapped one is a training image (in-sample disagreement)
    const train = imgs.filter((i) => !isVal(i.id)),
      val = imgs.filter((i) => isVal(i.id));
    const model: LogRegModel = fitSegmentation(train, d, C, { seed: 0 }).model;
    const sent: TrainerToServer[] = [];
    const ann = new Map(
      imgs.map((i) => [i.id, { imageId: i.id, kind: 'mask' as const, classId: null, updatedAt: 1000 + i.id }]),
    );
    const view = {
      classes: [
        { id: 10, name: 'bg', color: '#000', position: 0 },
        { id: 11, name: 'cat', color: '#f00', position: 1 },
        { id: 12, name: 'dog', color: '#0f0', position: 2 },
      ],
      images: new Map(),
      ann,
      cache: null,
      version: 4,
      io: {
        send: (m: TrainerToServer) => sent.push(m),
        log: (l: string) => {
          throw new Error(l);
        },
        httpBase: '',
        httpHeaders: undefined,
      },
    };
    const task = {
      model: () => model,
      classIds: () => [10, 11, 12],
      labelledCount: () => imgs.length,
      labelledImages: async (s: 'train' | 'val' | 'all') => (s === 'val' ? val : s === 'train' ? train : imgs),
    };
    const q = new SegmentationQuality(task, view as never);
    q.afterPublish({ 'class:12': [99] });
    await q.idle();
    const ev = sent.find((m) => m.type === 'evaluation');
    if (ev?.type !== 'evaluation') throw new Error('no evaluation sent');
    expect(ev).toMatchObject({
      task: 'segmentation',
      unit: 'patches',
      modelVersion: 4,
      valSize: val.length,
      trainSize: train.length,
      classIds: [10, 11, 12],
    });
    // the same numbers as the confusion of the head's argmax over the val images' painted patches
    const { truth, pred } = painted(model, val);
    const ref = report(confusionMatrix(truth, pred, C));
    expect(ev.confusion).toEqual(confusionMatrix(truth, pred, C));
    ev.perClass.forEach((k, c) => {
      expect(k.iou).toBeCloseTo(ref.perClass[c].iou!, 10);
      expect(k.support).toBe(ref.perClass[c].support);
    });
    expect(ev.miou).toBeCloseTo(ref.miou!, 10);
    expect(ev.images).toHaveLength(val.length);
    expect(ev.images.every((i) => i.iou !== null && i.iou! >= 0 && i.iou! <= 1)).toBe(true);
    const rv = sent.find((m) => m.type === 'review');
    if (rv?.type !== 'review') throw new Error('no review sent');
    expect(rv).toMatchObject({ method: 'patches', labelled: imgs.length });
    expect(rv.items[0]).toMatchObject({ id: 7, flagged: true, updatedAt: 1007 });
    expect(rv.items[0].score).toBeGreaterThan(0.4);
    expect(rv.items.filter((i) => i.flagged).map((i) => i.id)).toEqual([7]);
    // the review strategy's list: image 7 (labelled, flagged, its annotation unchanged)
    expect([...q.labelIssue([6, 7, 8])].map((v) => Number.isNaN(v))).toEqual([true, false, true]);
    ann.set(7, { ...ann.get(7)!, updatedAt: 5000 });
    expect(Number.isNaN(q.labelIssue([7])[0])).toBe(true);
    expect(sent.some((m) => m.type === 'hints')).toBe(true);
    // the val curves: the evaluation's mIoU and per-class IoU, at the number of labelled images
    const metric = (name: string) => sent.find((m) => m.type === 'metric' && m.name === name);
    expect(metric('val_miou')).toMatchObject({ step: imgs.length, value: ev.miou });
    expect(metric('val_iou:11')).toMatchObject({ value: ev.perClass[1].iou });
  });

  it('scores the val side by a head fitted without it, refitted only when the train side changes', async () => {
    const imgs = Array.from({ length: 40 }, (_, k) => image(k + 1, 1 + (k % 2)));
    const train = imgs.filter((i) => !isVal(i.id)),
      val = imgs.filter((i) => isVal(i.id));
    // a served head that learnt every class wrong (1 ↔ 2): the val score must not come from it
    const swapped = imgs.map((i) => ({ ...i, labels: Int32Array.from(i.labels, (y) => (y > 0 ? 3 - y : y)) }));
    const served = fitSegmentation(swapped, d, C, { seed: 0 }).model;
    const { q, sent, ann } = valOnly(served, train, val);
    q.afterPublish({});
    await q.idle();
    const evals = () => sent.filter((m) => m.type === 'evaluation');
    const ev = evals()[0];
    if (ev?.type !== 'evaluation') throw new Error('no evaluation sent (the val evaluation runs without background)');
    expect(ev.miou).toBeGreaterThan(0.95);
    expect(ev.trainSize).toBe(train.length);
    // the same confusion as the converged fit on the train side alone
    const { truth, pred } = painted(fitSegmentation(train, d, C, { seed: 0 }).model, val);
    expect(ev.confusion).toEqual(confusionMatrix(truth, pred, C));
    expect(sent.some((m) => m.type === 'review' || m.type === 'hints')).toBe(false);
    expect(q.heldOut.fits).toBe(1);
    // a val-side label changes: the held-out head is kept; a train-side one: it is refitted
    ann.set(val[0].id, { ...ann.get(val[0].id)!, updatedAt: 2 });
    q.afterPublish({});
    await q.idle();
    expect(evals()).toHaveLength(2);
    expect(q.heldOut.fits).toBe(1);
    ann.set(train[0].id, { ...ann.get(train[0].id)!, updatedAt: 2 });
    q.afterPublish({});
    await q.idle();
    expect(q.heldOut.fits).toBe(2);
  });

  it('sends no evaluation while the train side has fewer than two classes', async () => {
    const imgs = Array.from({ length: 40 }, (_, k) => image(k + 1, 1 + (k % 2)));
    const val = imgs.filter((i) => isVal(i.id)),
      train = imgs
        .filter((i) => !isVal(i.id))
        .map((i) => ({ ...i, labels: i.labels.map((y) => (y > 0 ? IGNORE : y)) }));
    const served = fitSegmentation(imgs, d, C, { seed: 0 }).model;
    const { q, sent } = valOnly(served, train, val);
    q.afterPublish({});
    await q.idle();
    expect(sent.filter((m) => m.type === 'evaluation' || m.type === 'metric')).toEqual([]);
  });

  it("its background work gives way while the loop is busy (a label's refit and named maps)", async () => {
    let busy = true,
      done = false;
    const p = new Slicer(25, () => busy).pause(true).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 80));
    expect(done).toBe(false);
    busy = false;
    await p;
    expect(done).toBe(true);
  });

  it('leaves out the patches of a class added since the served head was fitted', async () => {
    const imgs = Array.from({ length: 40 }, (_, k) => image(k + 1, 1 + (k % 2)));
    const without2 = imgs.map((i) => ({ ...i, labels: i.labels.map((y) => (y === 2 ? IGNORE : y)) }));
    const served = fitSegmentation(without2, d, 2, { seed: 0 }).model; // 2 columns; the labels now hold class 2 too
    const { q, sent } = valOnly(
      served,
      imgs.filter((i) => !isVal(i.id)),
      imgs.filter((i) => isVal(i.id)),
    );
    q.afterPublish({});
    await q.idle();
    const ev = sent.find((m) => m.type === 'evaluation');
    if (ev?.type !== 'evaluation') throw new Error('no evaluation sent');
    expect(ev.classIds).toEqual([10, 11]);
    expect(ev.miou).toBeGreaterThan(0.9);
  });
});
