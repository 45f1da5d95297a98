// Issue 15, the incremental loop's parts: the embedding queue (focus, labelled, rest; no rescans), the
// sweep's deltas (only what changed past the threshold), the packed delta codec, the status throttle.
import { describe, expect, it, vi } from 'vitest';
import type { ImageRef } from '../common/protocol.ts';
import { decodeDeltas, encodeDeltas, type DeltaItem } from '../common/delta-codec.ts';
import { EmbedQueue } from '../trainer/embed-queue.ts';
import { LAP_BUDGET, Sweep, UNC_STEP, type RowPredictions } from '../trainer/sweep.ts';
import { statusThrottle } from '../trainer/trainer-io.ts';

const ref = (id: number): ImageRef => ({ id, path: `/x/${id}.png`, sha256: String(id), width: 8, height: 8 });

describe('EmbedQueue', () => {
  it('gives focus first, then labelled images, then the rest in id order, never one in flight twice', () => {
    const imgs = Array.from({ length: 20 }, (_, i) => ref(i + 1)),
      byId = new Map(imgs.map((i) => [i.id, i]));
    const done = new Set<number>([1, 2]);
    const q = new EmbedQueue((i) => done.has(i.id), new Map([[4, 'broken']]));
    q.reset(imgs, [15, 16, 1], byId);
    expect(q.next(5, [10], byId).map((i) => i.id)).toEqual([10, 15, 16, 3, 5]);
    expect(q.next(5, [10], byId, new Set([10, 15, 16, 3, 5])).map((i) => i.id)).toEqual([6, 7, 8, 9, 11]);
    for (const id of [3, 5, 6, 7, 8, 9, 10, 11, 15, 16]) done.add(id);
    q.annotated(byId.get(20));
    expect(q.next(3, [], byId).map((i) => i.id)).toEqual([20, 12, 13]);
  });

  it('costs O(batch) per call, not O(images): the cursor never walks back over finished images', () => {
    const n = 50_000,
      imgs = Array.from({ length: n }, (_, i) => ref(i + 1)),
      byId = new Map(imgs.map((i) => [i.id, i]));
    const done = new Set<number>();
    let checks = 0;
    const q = new EmbedQueue((i) => {
      checks++;
      return done.has(i.id);
    }, new Map());
    q.reset(imgs, [], byId);
    for (let k = 0; k < 1000; k++) for (const i of q.next(8, [], byId)) done.add(i.id);
    expect(done.size).toBe(8000);
    // each finished image is passed by the cursor about once, each batch looks at a few more
    expect(checks).toBeLessThan(8000 * 4 + 1000 * 20);
    expect(q.empty).toBe(false);
  });
});

const preds = (top: number[], unc: number[], C = 3): RowPredictions => ({
  top: Int32Array.from(top),
  unc: Float32Array.from(unc),
  conf: Float32Array.from(unc.map((u) => 1 - u / 2)),
  probs: new Float32Array(top.length * C).fill(1 / C),
  C,
  feature: () => null,
});

describe('Sweep', () => {
  it('sends an image again only when its top class changes or its uncertainty moves past UNC_STEP', () => {
    const sent: { n: number; data: string; classIds: number[] }[] = [];
    const s = new Sweep((m) => sent.push(m));
    s.model([7, 8, 9], 10);
    s.record([1, 2, 3], preds([0, 1, 2], [0.5, 0.5, 0.5]), [7, 8, 9], 1, () => false);
    s.flush();
    expect(sent.at(-1)!.n).toBe(3);
    s.record([1, 2, 3], preds([0, 2, 2], [0.5 + UNC_STEP / 2, 0.5, 0.5 + 2 * UNC_STEP]), [7, 8, 9], 2, () => false);
    s.flush();
    const d = decodeDeltas(sent.at(-1)!.data, sent.at(-1)!.n, 3);
    expect('items' in d && d.items.map((i) => i.imageId)).toEqual([2, 3]);
    s.sentFull(1, 9, 0.1); // a full prediction told the server something else: the next lap corrects it
    s.record([1], preds([0], [0.5]), [7, 8, 9], 3, () => false);
    expect(s.pending).toBe(1);
  });

  it('sends at most LAP_BUDGET changes a lap, and laps on until nothing is held back', () => {
    let sent = 0;
    const s = new Sweep((m) => {
      sent += m.n;
    });
    const n = LAP_BUDGET + 500,
      ids = Array.from({ length: n }, (_, i) => i + 1);
    s.model([1, 2], n);
    s.record(
      ids,
      preds(
        ids.map(() => 0),
        ids.map(() => 0.2),
        2,
      ),
      [1, 2],
      1,
      () => false,
    );
    s.flush();
    expect(sent).toBe(n); // new images are always sent
    expect(s.lapEnded(n)).toBe(false);
    sent = 0;
    s.model([1, 2], n);
    const changed = preds(
      ids.map(() => 1),
      ids.map(() => 0.6),
      2,
    );
    s.record(ids, changed, [1, 2], 2, () => false);
    s.flush();
    expect(sent).toBe(LAP_BUDGET);
    expect(s.lapEnded(n)).toBe(true); // another lap, for the 500 held back
    s.record(ids, changed, [1, 2], 2, () => false);
    s.flush();
    expect(sent).toBe(n);
    expect(s.lapEnded(n)).toBe(false);
  });

  it('collects every image predicted under the current class set, and forgets them when the set changes', () => {
    const s = new Sweep(() => {});
    s.model([1, 2, 3], 5);
    s.record([10, 11], preds([0, 1], [0.2, 0.3]), [1, 2, 3], 1, () => true);
    expect(Array.from(s.collect().ids)).toEqual([10, 11]);
    s.model([1, 2, 3, 4], 5);
    expect(s.collect().ids.length).toBe(0);
    s.record([12], preds([3], [0.4], 4), [1, 2, 3, 4], 2, () => true);
    expect(Array.from(s.collect().ids)).toEqual([12]);
  });
});

describe('delta codec', () => {
  it('round-trips ids, classes (none included), uncertainty and confidence within quantisation', () => {
    const items: DeltaItem[] = [5, 1, 700, 70_000, 3_000_000].map((imageId, k) => ({
      imageId,
      classIndex: k === 2 ? null : k % 3,
      uncertainty: k / 7,
      confidence: 1 - k / 9,
    }));
    for (const classes of [3, 300]) {
      const data = encodeDeltas(items, classes);
      const r = decodeDeltas(data, items.length, classes);
      if (!('items' in r)) throw new Error(r.error);
      const want = [...items].sort((a, b) => a.imageId - b.imageId);
      r.items.forEach((it, k) => {
        expect(it.imageId).toBe(want[k].imageId);
        expect(it.classIndex).toBe(want[k].classIndex);
        expect(Math.abs(it.uncertainty - want[k].uncertainty)).toBeLessThan(1e-4);
        expect(Math.abs(it.confidence - want[k].confidence)).toBeLessThan(1e-4);
      });
    }
    expect(Buffer.from(encodeDeltas(items, 3), 'base64').length).toBeLessThanOrEqual(items.length * 9);
  });

  it('refuses a body that does not hold exactly n well-formed items', () => {
    const data = encodeDeltas([{ imageId: 3, classIndex: 1, uncertainty: 0.5, confidence: 0.5 }], 2);
    expect(decodeDeltas(data, 2, 2)).toHaveProperty('error');
    expect(decodeDeltas(data, 1, 1)).toHaveProperty('error'); // class index 1 of 1 class
    expect(
      decodeDeltas(Buffer.concat([Buffer.from(data, 'base64'), Buffer.from([0])]).toString('base64'), 1, 2),
    ).toHaveProperty('error');
  });
});

describe('status throttle', () => {
  it('sends a change of phase at once, and progress at most STATUS_PER_SECOND times a second', () => {
    vi.useFakeTimers();
    try {
      const out: string[] = [];
      const st = (phase: 'embedding' | 'fitting', embedded: number) => ({
        phase,
        embedded,
        total: 100,
        message: '',
        device: '',
        backbone: '',
        backboneNote: '',
        modelVersion: 0,
      });
      const send = statusThrottle((s) => out.push(`${s.phase}:${s.embedded}`), 4);
      for (let k = 1; k <= 50; k++) {
        send(st('embedding', k));
        vi.advanceTimersByTime(10);
      }
      send(st('fitting', 50));
      vi.advanceTimersByTime(1000);
      expect(out.length).toBeLessThanOrEqual(1 + 3 + 1 + 1);
      expect(out.at(-1)).toBe('fitting:50');
      expect(out[0]).toBe('embedding:1');
    } finally {
      vi.useRealTimers();
    }
  });
});
