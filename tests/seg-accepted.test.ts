// @vitest-environment node
// The val evaluation of segmentation scores the masks Enter accepts, per pixel (trainer/quality/seg-accepted.ts):
// the held-out patch head's map refined to the image's edges, against each val image's stored mask (its labelled
// pixels only), once per version of the heads and of the mask; and SegmentationQuality sends it as the
// evaluation's `accepted` block with the val_miou_accepted curve.
import { describe, expect, it } from 'vitest';
import { fitSegmentation, IGNORE } from '../trainer/heads/segmentation.ts';
import type { LogRegModel } from '../trainer/heads/logreg.ts';
import { AcceptedMasks, MAX_ACCEPTED_IMAGES, type AcceptedSource } from '../trainer/quality/seg-accepted.ts';
import { SegmentationQuality } from '../trainer/quality/segmentation.ts';
import { Slicer } from '../trainer/quality/slices.ts';
import { isVal } from '../common/split.ts';
import { gauss, mulberry32 } from '../trainer/rng.ts';
import type { ImageRef, TrainerToServer } from '../common/protocol.ts';

const d = 6,
  C = 2,
  gw = 4,
  gh = 3,
  P = 16,
  W = gw * P,
  H = gh * P;
const r = mulberry32(5);
const centres = Array.from({ length: C }, () => Array.from({ length: d }, () => 3 * gauss(r)));
const CLASS_IDS = [10, 11];
/** column of the first class-1 patch: a shape on the right of each image, a little further left per id */
const edge = (id: number) => 1 + (id % 3);

/** grid features, patch labels, pixels (dark background, a light shape) and the stored mask (class ids) */
function scene(id: number) {
  const features = new Float32Array(gw * gh * d),
    labels = new Int32Array(gw * gh).fill(IGNORE);
  for (let p = 0; p < gw * gh; p++) {
    const c = p % gw >= edge(id) ? 1 : 0;
    for (let j = 0; j < d; j++) features[p * d + j] = centres[c][j] + 0.3 * gauss(r);
    labels[p] = c;
  }
  const rgb = new Uint8Array(W * H * 3),
    mask = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const c = x >= edge(id) * P ? 1 : 0;
      rgb.fill(c ? 220 : 30, (y * W + x) * 3, (y * W + x) * 3 + 3);
      // the top row of pixels left unlabelled: it must not count
      mask[y * W + x] = y === 0 ? 0 : CLASS_IDS[c];
    }
  return { id, features, labels, rgb, mask };
}
type Scene = ReturnType<typeof scene>;

function source(scenes: Scene[], calls: number[]): AcceptedSource {
  const by = new Map(scenes.map((s) => [s.id, s]));
  return {
    classIds: () => CLASS_IDS,
    image: (id) => (by.has(id) ? ({ id, width: W, height: H } as ImageRef) : undefined),
    grid: (img) => ({ h: gh, w: gw, d, data: by.get(img.id)!.features }),
    fetchMask: async (id) => {
      calls.push(id);
      return by.get(id)!.mask;
    },
    pixels: async (id, w, h) => {
      expect([w, h]).toEqual([W, H]);
      return by.get(id)!.rgb;
    },
    side: 640,
  };
}
const slicer = () => new Slicer(25);
const iouOf = (m: number[][]) => {
  const ious = m.map((row, c) => {
    const col = m.reduce((a, rr) => a + rr[c], 0),
      sum = row.reduce((a, b) => a + b, 0);
    return row[c] / (sum + col - row[c]);
  });
  return ious.reduce((a, b) => a + b, 0) / ious.length;
};

describe('accepted masks of the val images', () => {
  const scenes = Array.from({ length: 12 }, (_, k) => scene(k + 1));
  const head: LogRegModel = fitSegmentation(scenes, d, C, { seed: 0 }).model;
  const swapped: LogRegModel = fitSegmentation(
    scenes.map((s) => ({ ...s, labels: s.labels.map((x) => 1 - x) })),
    d,
    C,
    { seed: 0 },
  ).model;

  it('scores the refined map per labelled pixel against the stored mask, once per key and mask version', async () => {
    const calls: number[] = [],
      acc = new AcceptedMasks(),
      src = source(scenes, calls),
      ids = scenes.map((s) => s.id);
    const run = (m: LogRegModel, key: string, version: (id: number) => number = () => 1) =>
      acc.score(src, m, null, key, ids, version, slicer(), () => true);
    const good = await run(head, 'a');
    expect(good.images).toBe(12);
    // every labelled pixel counted (the unlabelled top row left out), at the image's own size
    const counted = good.matrix.flat().reduce((a, b) => a + b, 0);
    expect(counted).toBe(12 * W * (H - 1));
    expect(iouOf(good.matrix)).toBeGreaterThan(0.95);
    expect(calls).toHaveLength(12);
    // the same heads and masks: nothing read again
    await run(head, 'a');
    expect(calls).toHaveLength(12);
    // one mask changed: that image only
    await run(head, 'a', (id) => (id === 3 ? 2 : 1));
    expect(calls).toHaveLength(13);
    // other heads: every image again, and a head that names the classes the other way round scores near 0
    const bad = await run(swapped, 'b');
    expect(calls).toHaveLength(25);
    expect(iouOf(bad.matrix)).toBeLessThan(0.05);
  });

  it('scores at most MAX_ACCEPTED_IMAGES images, the lowest ids', async () => {
    const many = Array.from({ length: MAX_ACCEPTED_IMAGES + 6 }, (_, k) => scene(k + 1)),
      calls: number[] = [];
    const got = await new AcceptedMasks().score(
      source(many, calls),
      head,
      null,
      'a',
      many.map((s) => s.id).reverse(),
      () => 1,
      slicer(),
      () => true,
    );
    expect(got.images).toBe(MAX_ACCEPTED_IMAGES);
    expect(Math.max(...calls)).toBe(MAX_ACCEPTED_IMAGES);
  });

  it('goes out with the evaluation, from the held-out head, and again at once while nothing changed', async () => {
    const all = Array.from({ length: 20 }, (_, k) => scene(k + 1));
    const train = all.filter((s) => !isVal(s.id)),
      val = all.filter((s) => isVal(s.id));
    expect(val.length).toBeGreaterThan(1);
    const sent: TrainerToServer[] = [],
      calls: number[] = [];
    const view = {
      classes: CLASS_IDS.map((id, position) => ({
        id,
        name: position ? 'shape' : 'background',
        color: '#000',
        position,
      })),
      images: new Map(),
      ann: new Map(all.map((s) => [s.id, { imageId: s.id, kind: 'mask' as const, classId: null, updatedAt: 1 }])),
      cache: null,
      version: 3,
      io: { send: (m: TrainerToServer) => sent.push(m), log: () => {}, httpBase: '', httpHeaders: undefined },
    };
    // the served head names the classes the other way round: the figures must come from the held-out head
    const task = {
      model: () => swapped,
      classIds: () => CLASS_IDS,
      labelledCount: () => all.length,
      labelledImages: async (s: 'train' | 'val' | 'all') => (s === 'val' ? val : s === 'train' ? train : all),
    };
    const q = new SegmentationQuality(task, view as never, {
      acceptedSource: () => source(all, calls),
      heldOutNamer: async () => null,
    });
    q.afterPublish({});
    await q.idle();
    const evs = sent.filter((m) => m.type === 'evaluation');
    expect(evs).toHaveLength(2);
    if (evs[1].type !== 'evaluation') throw new Error('no evaluation');
    expect(evs[0]).not.toHaveProperty('accepted');
    expect(evs[1].accepted).toMatchObject({ images: val.length, named: false });
    expect(evs[1].accepted!.miou!).toBeGreaterThan(0.95);
    expect(evs[1].accepted!.perClass.map((k) => k.classId)).toEqual(CLASS_IDS);
    const metric = sent.find((m) => m.type === 'metric' && m.name === 'val_miou_accepted');
    expect(metric).toMatchObject({ step: all.length, value: evs[1].accepted!.miou });
    expect(calls.sort((a, b) => a - b)).toEqual(val.map((s) => s.id));
    // the next publish with the same labels: one evaluation, the accepted block in it, nothing scored again
    sent.length = 0;
    q.afterPublish({});
    await q.idle();
    const again = sent.filter((m) => m.type === 'evaluation');
    expect(again).toHaveLength(1);
    if (again[0].type !== 'evaluation') throw new Error('no evaluation');
    expect(again[0].accepted).toEqual(evs[1].accepted);
    expect(calls).toHaveLength(val.length);
  });
});
