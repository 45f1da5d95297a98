// A review list longer than one frame may carry (857 labelled images; the server takes at most
// MAX_FRAME_ITEMS items a frame): the trainer's review frames (trainer/quality/review-frames.ts) go over a
// real socket in parts, the server keeps the list once its last part is in, and GET /api/review has every
// item; a list still waiting for labels says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_ITEMS } from '../common/protocol.ts';
import { reviewFrames } from '../trainer/quality/review-frames.ts';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer, type BrowserPeer } from './helpers/peers.ts';

const N = 857;
let srv: TestServer, trainer: BrowserPeer, browser: BrowserPeer;
let A: number, B: number;
const stamp = new Map<number, number>();

beforeAll(async () => {
  const dir = tempDir();
  await makeSession(dir, 'big', N, { width: 16, height: 12 });
  srv = await serveSession(dir, 'big');
  await srv.api('PUT', '/api/session/task', { task: 'classification' });
  [A, B] = await Promise.all(
    ['a', 'b'].map(async (n) => (await srv.api('POST', '/api/classes', { name: n })).body.class.id),
  );
  for (let id = 1; id <= N; id++) {
    const r = await srv.api('PUT', `/api/images/${id}/annotation`, { kind: 'label', classId: id % 2 ? A : B });
    stamp.set(id, r.body.annotation.updatedAt);
  }
  trainer = await browserPeer(srv.url, 'trainer');
  browser = await browserPeer(srv.url);
  await trainer.waitFor((f) => f.type === 'snapshot');
}, 120_000);
afterAll(async () => {
  trainer?.close();
  browser?.close();
  await srv?.close();
});

const ranked = () =>
  Array.from({ length: N }, (_, k) => {
    const id = k + 1;
    return {
      id,
      given: id % 2 ? A : B,
      suggested: id % 2 ? B : A,
      score: Math.round((1 - k / N) * 1e4) / 1e4,
      flagged: k < 600,
      updatedAt: stamp.get(id)!,
    };
  });

describe('a review list of 857 labelled images', () => {
  it('as one frame it is refused (more items than a frame may carry)', async () => {
    trainer.ws.send(
      JSON.stringify({
        type: 'review',
        task: 'classification',
        modelVersion: 1,
        method: 'k-fold',
        folds: 5,
        labelled: N,
        items: ranked(),
      }),
    );
    const err = await trainer.waitFor((f) => f.type === 'error' && f.code === 'invalid_frame');
    expect(err.message).toMatch(new RegExp(`at most ${MAX_FRAME_ITEMS} per frame, got ${N}`));
  });

  it('in parts it arrives whole: every item, in rank order, announced once', async () => {
    const frames = reviewFrames(
      {
        task: 'classification',
        modelVersion: 2,
        method: 'k-fold',
        folds: 5,
        labelled: N,
        waiting: null,
        agreement: 0.9,
      },
      ranked(),
    );
    expect(frames.length).toBe(2);
    expect(frames.every((f) => f.items.length <= MAX_FRAME_ITEMS)).toBe(true);
    for (const f of frames) trainer.ws.send(JSON.stringify(f));
    await browser.waitFor((f) => f.type === 'changed' && f.what === 'review' && f.modelVersion === 2);
    const r = (await srv.api('GET', `/api/review?limit=${N}`)).body;
    expect(r).toMatchObject({ modelVersion: 2, total: N, flagged: 600, waiting: null, agreement: 0.9 });
    expect(r.items.map((i: { id: number }) => i.id)).toEqual(Array.from({ length: N }, (_, k) => k + 1));
    expect(
      browser.frames.filter((f) => f.type === 'changed' && f.what === 'review' && f.modelVersion === 2),
    ).toHaveLength(1);
    expect((await srv.api('GET', '/api/review?flagged=1&limit=1000')).body.items).toHaveLength(600);
    expect(
      (await srv.api('GET', '/api/images?review=1&sort=rank&limit=5')).body.items.map((i: { id: number }) => i.id),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it('a part out of order is dropped with what was held; the list stays the last whole one', async () => {
    const frames = reviewFrames(
      {
        task: 'classification',
        modelVersion: 3,
        method: 'k-fold',
        folds: 5,
        labelled: N,
        waiting: null,
        agreement: 0.9,
      },
      ranked().reverse(),
    );
    trainer.ws.send(JSON.stringify(frames[1]));
    trainer.ws.send(JSON.stringify({ type: 'ping' }));
    await trainer.waitFor((f) => f.type === 'pong');
    expect((await srv.api('GET', '/api/review?limit=1')).body.modelVersion).toBe(2);
  });

  it('a list still waiting for labels says why, and flags nothing', async () => {
    const why = '"b" has 3: the list starts once every labelled class has 5 labels';
    for (const f of reviewFrames(
      {
        task: 'classification',
        modelVersion: 4,
        method: 'k-fold',
        folds: 0,
        labelled: N,
        waiting: why,
        agreement: null,
      },
      [],
    ))
      trainer.ws.send(JSON.stringify(f));
    await browser.waitFor((f) => f.type === 'changed' && f.what === 'review' && f.modelVersion === 4);
    expect((await srv.api('GET', '/api/review')).body).toMatchObject({ waiting: why, total: 0, flagged: 0, items: [] });
  });
});
