import { describe, expect, it } from 'vitest';
import { backboneChip, count, rollingAccuracy, trainerText, windowAccuracy } from '../web/src/lib/format.ts';
import { staleNote } from '../web/src/lib/prediction-note.ts';

const status = (o: object) =>
  ({
    phase: 'ready',
    message: '',
    embedded: 0,
    total: 0,
    device: '',
    backbone: '',
    backboneNote: '',
    modelVersion: 0,
    ...o,
  }) as never;

describe('header text', () => {
  it('says offline, embedding progress with device and backbone, fitting and ready with the model version', () => {
    expect(trainerText({ online: false, status: null }).text).toBe('trainer offline');
    expect(
      trainerText({
        online: true,
        status: status({ phase: 'embedding', embedded: 1234, total: 10000, device: 'cpu', backbone: 'dinov3-vits16' }),
      }).text,
    ).toBe('embedding 1,234 of 10,000 on cpu with dinov3-vits16');
    expect(trainerText({ online: true, status: status({ phase: 'fitting', modelVersion: 2 }) }).text).toBe(
      'fitting · model v2',
    );
    expect(trainerText({ online: true, status: status({ phase: 'ready', modelVersion: 3 }) }).text).toBe(
      'ready · model v3',
    );
  });
});

describe('counts in words', () => {
  it('says "1 image", never "1 images"', () => {
    expect(count(1, 'image')).toBe('1 image');
    expect(count(0, 'image')).toBe('0 images');
    expect(count(12345, 'prediction')).toBe('12,345 predictions');
  });
});

describe('stale predictions', () => {
  const on = (v: number) => ({ online: true, status: status({ modelVersion: v }) });
  it('marks a prediction whose trainer is gone, or that an older model made; not the current one', () => {
    expect(staleNote(null, { online: false, status: null })).toBeNull();
    expect(staleNote({ modelVersion: 3 }, { online: false, status: status({ modelVersion: 3 }) })).toBe(
      'from model v3 — the trainer is offline, so it may be out of date',
    );
    expect(staleNote({ modelVersion: 3 }, on(3))).toBeNull();
    expect(staleNote({ modelVersion: 4 }, on(3))).toBeNull(); // the status lags a refit by a moment
    expect(staleNote({ modelVersion: 2 }, on(3))).toBe('from model v2; the current model is v3 (updating…)');
    expect(staleNote({ modelVersion: 7 }, on(0))).toBe('from model v7 — the trainer has no model yet in this run');
  });
});

describe('live accuracy', () => {
  it('uses the last w outcomes', () => {
    expect(windowAccuracy([0, 0, 1, 1], 2)).toBe(1);
    expect(windowAccuracy([0, 0, 1, 1], 4)).toBe(0.5);
    expect(windowAccuracy([], 4)).toBeNull();
    expect(rollingAccuracy([1, 0, 1, 1], 2)).toEqual([1, 0.5, 0.5, 1]);
  });
});

import { cycleStrategy, effectiveStrategy, strategyStates } from '../web/src/lib/strategies.ts';
import { strategyList } from '../server/strategies.ts';
describe('strategy selector', () => {
  const registry = strategyList(); // what GET /api/strategies answers
  it("lists the server registry (review included) for the session's task", () => {
    const s = strategyStates({
      registry,
      task: 'classification',
      trainerOnline: true,
      published: ['review'],
      classCount: 2,
    });
    expect(s.map((x) => x.id)).toEqual(registry.map((x) => x.name));
    expect(s.find((x) => x.id === 'review')).toMatchObject({ label: 'review likely label errors', enabled: true });
    // the cold-start lists come before any model: what is awaited is a list
    expect(s.find((x) => x.id === 'uncertain')).toMatchObject({
      enabled: false,
      why: "waiting for the trainer's first list",
    });
    const only = strategyStates({
      registry: [...registry, { name: 'seg-only', label: 'x', tasks: ['segmentation'], needsTrainer: false }],
      task: 'classification',
      trainerOnline: true,
      published: [],
      classCount: 2,
    });
    expect(only.map((x) => x.id)).not.toContain('seg-only');
  });
  it('disables every model strategy (by class too) while the trainer is offline and says why', () => {
    const s = strategyStates({ registry, trainerOnline: false, published: ['uncertain', 'class:1'], classCount: 2 });
    for (const id of ['class', 'minority', 'uncertain', 'diverse'])
      expect(s.find((x) => x.id === id)).toMatchObject({ enabled: false, why: 'trainer offline' });
    expect(s.filter((x) => x.enabled).map((x) => x.id)).toEqual(['sequential', 'random']);
    const t = strategyStates({ registry, trainerOnline: true, published: ['uncertain'], classCount: 0 });
    expect(t.find((x) => x.id === 'uncertain')?.enabled).toBe(true);
    expect(t.find((x) => x.id === 'diverse')?.why).toMatch(/waiting/);
    expect(t.find((x) => x.id === 'class')).toMatchObject({ enabled: false, why: 'add a class first' });
  });
  it('cycles over the enabled ones, stepping off one that went off', () => {
    const on = strategyStates({ registry, trainerOnline: true, published: ['uncertain'], classCount: 2 });
    expect(cycleStrategy(on, 'random', 1)).toBe('class');
    expect(cycleStrategy(on, 'class', 1)).toBe('uncertain');
    expect(cycleStrategy(on, 'sequential', -1)).toBe('uncertain');
    const off = strategyStates({ registry, trainerOnline: false, published: ['uncertain'], classCount: 2 });
    expect(cycleStrategy(off, 'random', 1)).toBe('sequential');
    expect(cycleStrategy(off, 'uncertain', 1)).toBe('sequential');
  });
  it('says what "next" really does when the chosen strategy is off', () => {
    const off = strategyStates({ registry, trainerOnline: false, published: [], classCount: 2 });
    expect(effectiveStrategy(off, 'uncertain')).toEqual({ id: 'sequential', note: 'uncertain: trainer offline' });
    expect(effectiveStrategy(off, 'random')).toEqual({ id: 'random', note: null });
  });
});

import { classNameProblem, removalText } from '../web/src/lib/class-name.ts';
describe('classes panel text', () => {
  it('validates names like the server', () => {
    expect(classNameProblem('cat', [])).toBeNull();
    expect(classNameProblem(' ', [])).toMatch(/Type a name/);
    expect(classNameProblem('-x', [])).toMatch(/starting with/);
    expect(classNameProblem('Cat', [{ id: 1, name: 'cat' }])).toMatch(/already/);
    expect(classNameProblem('Cat', [{ id: 1, name: 'cat' }], 1)).toBeNull();
  });
  it('says what a removal deletes and that the model resets', () => {
    expect(removalText({ annotations: 5, labels: 5, masks: 0, points: 0 })).toBe(
      'This deletes 5 labels of this class (5 annotations changed), and the model resets: its predictions and suggestions are dropped until the trainer refits.',
    );
    expect(removalText({ annotations: 3, labels: 0, masks: 2, points: 1 })).toMatch(
      /^This removes its pixels from 2 masks and 1 point \(3 annotations changed\)/,
    );
    expect(removalText({ annotations: 0, labels: 0, masks: 0, points: 0 })).toMatch(
      /^No annotation uses this class, and the model resets/,
    );
  });
});

describe('backbone chip', () => {
  const at = (backbone: string, backboneNote: string, phase = 'ready') =>
    ({ online: true, status: status({ backbone, backboneNote, phase }) }) as never;
  it('says which backbone runs when it is not the DINOv3 asked for, in a few words', () => {
    expect(
      backboneChip(
        at(
          'mobilenetv2-imagenet',
          'DINOv3 unavailable offline: running ImageNet MobileNetV2 (…). dinov3-vits16: cannot download …',
        ),
      ),
    ).toBe('ImageNet MobileNetV2 (DINOv3 offline)');
    expect(
      backboneChip(at('tiny', 'FALLBACK to the tiny random-weight backbone (…): DINOv3 unavailable offline. …')),
    ).toBe('tiny, random weights (DINOv3 offline)');
    expect(
      backboneChip(
        at('tiny', 'tiny random-weight backbone (not DINOv3; for tests): random weights, for tests/demo/bench only'),
      ),
    ).toBe('tiny, random weights');
    expect(backboneChip(at('dinov3-vits16', 'dinov3-vits16 (DINOv3, onnx-community/…) on cpu'))).toBe('');
    expect(backboneChip({ online: false, status: null } as never)).toBe('');
  });
});
