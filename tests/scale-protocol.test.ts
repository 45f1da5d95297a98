// Issue 15, the protocol rules P10 (a streamed snapshot) and P11 (compact deltas persisted in the
// background), with a fake trainer against a real server on a session written straight into SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRows } from '../bench/scale-rows.ts';
import { encodeDeltas } from '../common/delta-codec.ts';
import { deltaWriter } from '../server/prediction-writer.ts';
import { SNAPSHOT_PAGE, TARGET_FRAME_BYTES } from '../common/protocol.ts';
import { closeText } from '../trainer/client.ts';
import { serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { socketPeer, type SocketPeer } from './helpers/http.ts';

const N = 9000;
let srv: TestServer, classIds: number[];
beforeAll(async () => {
  const dir = tempDir('hilt-p10-');
  classIds = writeRows(dir, 'big', { images: N, labelled: 0.3, classes: 3, predictions: false }).classIds;
  srv = await serveSession(dir, 'big');
});
afterAll(async () => {
  await srv?.close();
});

/** every frame of one snapshot id, once its end (or a newer header) has arrived */
async function snapshotFrames(t: SocketPeer, id: number) {
  await t.next('snapshot-end', 30_000).then(async function wait(f): Promise<void> {
    if (f.id !== id) return wait(await t.next('snapshot-end', 30_000));
  });
  return t.frames.filter((f) => f.id === id);
}

describe('P10: a streamed snapshot', () => {
  it('comes as a header with counts, then pages of bounded size covering every image and annotation, then its end', async () => {
    const t = await socketPeer(srv.url, 'trainer', { replace: true });
    const raw: number[] = [];
    t.ws.on('message', (d) => raw.push((d as Buffer).length));
    const head = await t.next('snapshot');
    expect(head).toMatchObject({ task: 'classification', images: N });
    const frames = await snapshotFrames(t, head.id);
    const pages = frames.filter((f) => f.type === 'snapshot-images');
    expect(pages.flatMap((p) => p.images.map((i: { id: number }) => i.id))).toEqual(
      Array.from({ length: N }, (_, i) => i + 1),
    );
    const anns = frames.filter((f) => f.type === 'snapshot-annotations').flatMap((p) => p.annotations);
    expect(anns.length).toBe(head.annotations);
    for (const p of [...pages, ...frames.filter((f) => f.type === 'snapshot-annotations')])
      expect((p.images ?? p.annotations).length).toBeLessThanOrEqual(SNAPSHOT_PAGE);
    expect(Math.max(...raw)).toBeLessThan(TARGET_FRAME_BYTES * 1.2);
    t.ws.close();
    await t.closed;
  });

  it('a newer snapshot (after a reset) replaces an unfinished one: the old stream stops, the new one completes', async () => {
    const t = await socketPeer(srv.url, 'trainer', { replace: true });
    const first = await t.next('snapshot');
    srv.ctx.bus.emit('trainer', { type: 'reset', reason: 'test' });
    const second = await t.next('snapshot');
    expect(second.id).toBeGreaterThan(first.id);
    const frames = await snapshotFrames(t, second.id);
    expect(frames.filter((f) => f.type === 'snapshot-images').reduce((s, p) => s + p.images.length, 0)).toBe(N);
    expect(t.frames.some((f) => f.type === 'snapshot-end' && f.id === first.id)).toBe(false);
    expect(t.frames.filter((f) => f.type === 'snapshot-images' && f.id === first.id).length).toBeLessThan(
      N / SNAPSHOT_PAGE,
    );
    t.ws.close();
    await t.closed;
  });
});

describe('P11: compact deltas', () => {
  let t: SocketPeer;
  beforeAll(async () => {
    t = await socketPeer(srv.url, 'trainer', { replace: true });
    await t.next('snapshot');
  });
  afterAll(async () => {
    t.ws.close();
    await t.closed;
  });
  const send = (
    version: number,
    items: { imageId: number; classIndex: number | null; uncertainty: number; confidence: number }[],
    ids = classIds,
  ) =>
    t.ws.send(
      JSON.stringify({
        type: 'deltas',
        modelVersion: version,
        classIds: ids,
        n: items.length,
        data: encodeDeltas(items, ids.length),
      }),
    );

  it('are written in short transactions in the background; sort and filters by prediction follow them', async () => {
    const w = deltaWriter(srv.ctx);
    const chunks0 = w.chunks;
    const items = Array.from({ length: N }, (_, i) => ({
      imageId: i + 1,
      classIndex: i % 3,
      uncertainty: ((i * 37) % 1000) / 1000,
      confidence: 0.5,
    }));
    for (let k = 0; k < N; k += 3000) send(5, items.slice(k, k + 3000));
    await new Promise((r) => setTimeout(r, 200));
    await w.drained();
    expect(w.chunks - chunks0).toBeGreaterThan(1); // not one long transaction holding the loop
    const top = (await srv.api('GET', '/api/images?sort=uncertainty&limit=5')).body;
    const want = [...items]
      .sort((a, b) => b.uncertainty - a.uncertainty || a.imageId - b.imageId)
      .slice(0, 5)
      .map((i) => i.imageId);
    expect(top.items.map((i: { id: number }) => i.id)).toEqual(want);
    expect((await srv.api('GET', `/api/images?predicted=${classIds[2]}&limit=1`)).body.total).toBe(N / 3);
    const p4 = (await srv.api('GET', '/api/images/4')).body.prediction; // top class and its probability only
    expect(p4.classId).toBe(classIds[0]);
    expect(Object.keys(p4.probs)).toEqual([String(classIds[0])]);
    expect(p4.probs[classIds[0]]).toBeCloseTo(0.5, 4);
  });

  it('never replace a newer full prediction; unknown images are dropped and said so; a malformed body is refused', async () => {
    t.ws.send(
      JSON.stringify({
        type: 'predictions',
        modelVersion: 9,
        items: [
          { imageId: 7, classId: classIds[1], probs: { [classIds[0]]: 0.1, [classIds[1]]: 0.9 }, uncertainty: 0.2 },
        ],
      }),
    );
    send(8, [
      { imageId: 7, classIndex: 2, uncertainty: 0.9, confidence: 0.4 },
      { imageId: N + 50, classIndex: 0, uncertainty: 0.5, confidence: 0.5 },
    ]);
    expect((await t.next('error')).message).toMatch(/dropped 1 item\(s\) naming unknown images/);
    expect((await srv.api('GET', '/api/images/7')).body.prediction).toMatchObject({
      classId: classIds[1],
      probs: { [classIds[1]]: 0.9 },
    });
    t.ws.send(
      JSON.stringify({
        type: 'deltas',
        modelVersion: 10,
        classIds,
        n: 3,
        data: encodeDeltas([{ imageId: 1, classIndex: 0, uncertainty: 0, confidence: 1 }], 3),
      }),
    );
    expect((await t.next('error')).code).toBe('invalid_frame');
    send(10, [{ imageId: 1, classIndex: 0, uncertainty: 0, confidence: 1 }], [999, ...classIds.slice(1)]);
    expect((await t.next('error')).message).toMatch(/unknown class 999/);
  });
});

describe('counts travel with each change', () => {
  it('a browser gets the session counts in the annotation frame, equal to what /api/session says', async () => {
    const br = await socketPeer(srv.url, 'browser');
    await br.next('welcome');
    const id = (await srv.api('GET', '/api/images?unlabelled=1&limit=1')).body.items[0].id;
    await srv.api('PUT', `/api/images/${id}/annotation`, { kind: 'skip' });
    const f = await br.next('annotation');
    expect(f.counts).toEqual((await srv.api('GET', '/api/session')).body.counts);
    await srv.api('DELETE', `/api/images/${id}/annotation`);
    expect((await br.next('annotation')).counts.skipped).toBe(f.counts.skipped - 1);
    br.ws.close();
  });
});

describe('the trainer says why its socket closed', () => {
  it('names the close code, what it means, the reason and the last socket error', () => {
    expect(closeText(1009, '', 'Max payload size exceeded')).toBe(
      '1009: a frame was larger than the receiver accepts: last error: Max payload size exceeded',
    );
    expect(closeText(1006, '')).toMatch(/^1006: the connection dropped without a close frame/);
  });
});
