// @vitest-environment node
// The publisher while the pool is still being embedded: the lists of what is embedded so far go out at most every
// LISTS_WHILE_EMBEDDING_MS (so a large session has picks long before its last image is embedded), with the head of
// a model version not saved yet and a small validation sample (so it can be exported before the pool is embedded);
// the whole publish waits for the queue to drain (request).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  LISTS_WHILE_EMBEDDING_MS,
  Publisher,
  VALIDATION_WHILE_EMBEDDING,
  type PublishHost,
} from '../trainer/publisher.ts';
import { fitLogReg } from '../trainer/heads/logreg.ts';
import { Sweep } from '../trainer/sweep.ts';

const model = fitLogReg(Float32Array.from([0, 0, 1, 1, 0, 1, 1, 0]), Int32Array.from([0, 1, 0, 1]), 4, 2, 2, {
  seed: 0,
}).model;

function host() {
  const sent: string[] = [],
    full: number[] = [],
    published: number[] = [],
    limits: (number | undefined)[] = [];
  let kicks = 0;
  const h: PublishHost = {
    impl: {
      name: 'classification',
      model: () => model,
      classIds: () => [1, 2],
      publish: async () => {
        published.push(Date.now());
      },
    } as never,
    io: {
      send: (m: { type: string }) => sent.push(m.type),
      log: () => {},
      httpBase: '',
      httpHeaders: undefined,
    } as never,
    embedder: { info: { backbone: 'tiny', dir: '', patchSize: 16 } } as never,
    version: 3,
    sweep: new Sweep(() => {}),
    finishingFit: false,
    validationSample: (limit?: number) => (limits.push(limit), []),
    sendFull: async () => {
      full.push(Date.now());
    },
    kick: () => {
      kicks++;
    },
  };
  return { h, sent, full, published, limits, kicks: () => kicks };
}
const settle = () => vi.advanceTimersByTimeAsync(1);

describe('publishing while the pool is embedded', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the lists at most every LISTS_WHILE_EMBEDDING_MS, a new head once per version; the whole publish on request', async () => {
    const { h, sent, full, published, limits } = host();
    const p = new Publisher(h);
    const heads = () => sent.filter((t) => t === 'head').length;
    p.stale = true;
    // not before LISTS_WHILE_EMBEDDING_MS from the start
    p.whileEmbedding();
    expect(published).toHaveLength(0);
    expect(heads()).toBe(0);
    await vi.advanceTimersByTimeAsync(LISTS_WHILE_EMBEDDING_MS + 1);
    p.whileEmbedding();
    await settle();
    expect(published).toHaveLength(1);
    // the head of this version and a small validation sample, so an export need not wait for the pool
    expect(heads()).toBe(1);
    expect(full).toHaveLength(1);
    expect(limits).toEqual([VALIDATION_WHILE_EMBEDDING]);
    expect(p.stale).toBe(true);
    expect(p.settled).toBe(false);
    // again at once: held back
    p.whileEmbedding();
    await settle();
    expect(published).toHaveLength(1);
    // the lists again later, but the same version's head is not sent twice
    await vi.advanceTimersByTimeAsync(LISTS_WHILE_EMBEDDING_MS + 1);
    p.whileEmbedding();
    await settle();
    expect(published).toHaveLength(2);
    expect(heads()).toBe(1);
    // a new version whose fit is still being finished: the lists, not the head (it goes out whole)
    const v = h as { version: number; finishingFit: boolean };
    v.version = 4;
    v.finishingFit = true;
    await vi.advanceTimersByTimeAsync(LISTS_WHILE_EMBEDDING_MS + 1);
    p.whileEmbedding();
    await settle();
    expect(published).toHaveLength(3);
    expect(heads()).toBe(1);
    v.finishingFit = false;
    await vi.advanceTimersByTimeAsync(LISTS_WHILE_EMBEDDING_MS + 1);
    p.whileEmbedding();
    await settle();
    expect(heads()).toBe(2);
    expect(full).toHaveLength(2);
    // nothing new (not stale): nothing goes out, however long it waits
    p.stale = false;
    await vi.advanceTimersByTimeAsync(LISTS_WHILE_EMBEDDING_MS + 1);
    p.whileEmbedding();
    await settle();
    expect(published).toHaveLength(4);
    // the queue drained: the whole publish, head and the full validation sample included
    p.request();
    await settle();
    expect(published).toHaveLength(5);
    expect(heads()).toBe(3);
    expect(limits.at(-1)).toBeUndefined();
    expect(full).toHaveLength(3);
    expect(p.settled).toBe(true);
  });

  it('sends no lists without a model unless the task has cold-start lists', async () => {
    const { h, published } = host();
    const p = new Publisher({ ...h, impl: { ...(h.impl as object), model: () => null } as never });
    p.stale = true;
    await vi.advanceTimersByTimeAsync(LISTS_WHILE_EMBEDDING_MS + 1);
    p.whileEmbedding();
    await settle();
    expect(published).toHaveLength(0);
    const cold: number[] = [];
    const q = new Publisher({
      ...h,
      impl: { ...(h.impl as object), model: () => null, publishCold: async () => void cold.push(1) } as never,
    });
    q.stale = true;
    await vi.advanceTimersByTimeAsync(LISTS_WHILE_EMBEDDING_MS + 1);
    q.whileEmbedding();
    await settle();
    expect(cold).toHaveLength(1);
  });
});
