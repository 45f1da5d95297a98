// Issue 9, the trainer side: one trainer at a time (P7) and frames checked against the session (P8).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE, MAX_FRAME_BYTES, MAX_FRAME_ITEMS, TARGET_FRAME_BYTES } from '../common/protocol.ts';
import { MAX_METRIC_NAMES } from '../server/trainer-check.ts';
import { MAX_METRIC_ROWS } from '../server/trainer-sink.ts';
import { connectTrainer, frames } from '../trainer/client.ts';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { socketPeer, type SocketPeer } from './helpers/http.ts';

let srv: TestServer;
let classes: { id: number }[];
beforeAll(async () => {
  const dir = tempDir();
  await makeSession(dir, 'tr', 5);
  srv = await serveSession(dir, 'tr');
  await srv.api('PUT', '/api/session/task', { task: 'classification' });
  await srv.api('POST', '/api/classes', { name: 'a' });
  await srv.api('POST', '/api/classes', { name: 'b' });
  classes = (await srv.api('GET', '/api/classes')).body.classes;
});
afterAll(async () => {
  await srv?.close();
});

const trainer = async (extra: object = {}) => {
  const t = await socketPeer(srv.url, 'trainer', extra);
  await t.next('snapshot');
  return t;
};
const pong = async (p: SocketPeer) => {
  p.ws.send(JSON.stringify({ type: 'ping' }));
  await p.next('pong');
};

describe('P7: one trainer', () => {
  it('refuses a second trainer with a final reason naming --replace, and keeps the first', async () => {
    const first = await trainer();
    const second = await socketPeer(srv.url, 'trainer');
    const c = await second.closed;
    expect(c.code).toBe(CLOSE.trainerBusy);
    expect(c.reason).toBe('a trainer is already connected; use --replace to take over');
    expect(second.frames.some((f) => f.type === 'snapshot')).toBe(false);
    await pong(first);
    // replace: the first is closed for good, the new one gets the snapshot
    const third = await trainer({ replace: true });
    expect((await first.closed).code).toBe(CLOSE.replaced);
    await pong(third);
    third.ws.close();
    await third.closed;
  });

  it('lets a trainer reconnect in place of its own stale socket (same instance), without --replace', async () => {
    const first = await trainer({ instance: 'proc-1' });
    const again = await trainer({ instance: 'proc-1' });
    expect((await first.closed).code).toBe(CLOSE.replaced);
    const other = await socketPeer(srv.url, 'trainer', { instance: 'proc-2' });
    expect((await other.closed).code).toBe(CLOSE.trainerBusy);
    again.ws.close();
    await again.closed;
  });

  it('the trainer client treats the refusal as final: it prints it and stops, no retry loop', async () => {
    const first = await trainer();
    const logs: string[] = [];
    const fatal = await new Promise<string>((resolve, reject) => {
      const c = connectTrainer({
        url: srv.url.replace('http', 'ws') + '/ws',
        log: (l) => logs.push(l),
        onMessage: () => {},
        onFatal: resolve,
      });
      setTimeout(() => {
        c.close();
        reject(new Error(`no final refusal within 5 s; log: ${logs.join(' | ')}`));
      }, 5000);
    });
    expect(fatal).toContain('use --replace');
    expect(logs.join('\n')).toContain('a trainer is already connected');
    await new Promise((r) => setTimeout(r, 1500)); // a retrying client would have been refused again by now (0.5 s backoff)
    expect(logs.filter((l) => /refused/.test(l))).toHaveLength(1);
    await pong(first);
    // --replace takes over once
    const replaced = await new Promise<boolean>((resolve) => {
      const c = connectTrainer({
        url: srv.url.replace('http', 'ws') + '/ws',
        replace: true,
        log: () => {},
        onMessage: (m) => {
          if (m.type === 'snapshot') {
            c.close();
            resolve(true);
          }
        },
      });
    });
    expect(replaced).toBe(true);
    expect((await first.closed).code).toBe(CLOSE.replaced);
  });
});

describe('P8: forged trainer frames', () => {
  let t: SocketPeer;
  beforeAll(async () => {
    t = await trainer({ replace: true });
  });
  afterAll(() => t.ws.close());
  const prediction = (imageId: number, classId: number, probs?: Record<string, number>) => ({
    imageId,
    classId,
    probs: probs ?? { [classes[0].id]: 0.3, [classes[1].id]: 0.7 },
    uncertainty: 0.4,
  });

  it('drops predictions for unknown classes or images, keeps the rest, and says so', async () => {
    t.ws.send(
      JSON.stringify({
        type: 'predictions',
        modelVersion: 3,
        items: [
          prediction(1, classes[1].id),
          prediction(2, 999),
          prediction(404, classes[0].id),
          prediction(3, classes[0].id, { 999: 1 }),
        ],
      }),
    );
    const err = await t.next('error');
    expect(err.code).toBe('dropped');
    expect(err.message).toContain('unknown class 999');
    expect(err.message).toContain('unknown image 404');
    expect((await srv.api('GET', '/api/images/1')).body.prediction).toMatchObject({ classId: classes[1].id });
    expect((await srv.api('GET', '/api/images/2')).body.prediction).toBeNull();
    expect((await srv.api('GET', '/api/images/3')).body.prediction).toBeNull();
  });

  it('drops a segmentation map in a classification session and suggestion ids that do not exist', async () => {
    t.ws.send(
      JSON.stringify({
        type: 'predictions',
        modelVersion: 4,
        items: [
          {
            imageId: 4,
            classId: null,
            classIds: [classes[0].id],
            width: 2,
            height: 2,
            map: Buffer.alloc(4).toString('base64'),
            uncertainty: 0,
          },
        ],
      }),
    );
    expect((await t.next('error')).message).toContain('segmentation map');
    t.ws.send(JSON.stringify({ type: 'suggestions', modelVersion: 4, lists: { uncertain: [777, 5], bogus: [1] } }));
    expect((await t.next('error')).message).toMatch(/unknown image 777.*|bogus/);
    expect((await srv.api('GET', '/api/next?strategy=uncertain&annotator=z')).body).toMatchObject({
      id: 5,
      reason: 'uncertain',
    });
  });

  it('keeps metrics bounded: thinned past the cap per name, and a cap on names', async () => {
    for (let i = 0; i < MAX_METRIC_ROWS + 600; i++)
      t.ws.send(JSON.stringify({ type: 'metric', name: 'train_loss', step: i, value: 1 / (i + 1) }));
    for (let k = 0; k < MAX_METRIC_NAMES + 5; k++)
      t.ws.send(JSON.stringify({ type: 'metric', name: `junk_${k}`, step: 0, value: k }));
    await pong(t);
    const m = (await srv.api('GET', '/api/stats')).body.metrics;
    const loss = m.train_loss as { step: number }[];
    expect(loss.length).toBeLessThanOrEqual(MAX_METRIC_ROWS);
    expect(loss[0].step).toBe(0);
    expect(loss.at(-1)!.step).toBe(MAX_METRIC_ROWS + 599);
    expect(Object.keys(m).length).toBeLessThanOrEqual(MAX_METRIC_NAMES);
    expect(t.frames.some((f) => f.type === 'error' && /metric names/.test(f.message))).toBe(true);
  });

  it('closes a socket that sends a frame over the limit without reading it, and stays responsive', async () => {
    const big = await trainer({ replace: true });
    const t0 = Date.now();
    big.ws.send(JSON.stringify({ type: 'metric', name: 'x'.repeat(MAX_FRAME_BYTES + 1), step: 0, value: 0 }));
    expect((await big.closed).code).toBe(1009);
    expect((await srv.api('GET', '/api/health')).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(5000);
    t = await trainer({ replace: true });
    // a batch with more items than a frame may hold is refused whole (parsing it would hold the loop)
    t.ws.send(
      JSON.stringify({
        type: 'predictions',
        modelVersion: 9,
        items: Array.from({ length: MAX_FRAME_ITEMS + 1 }, () => prediction(5, classes[0].id)),
      }),
    );
    expect((await t.next('error')).code).toBe('invalid_frame');
    expect((await srv.api('GET', '/api/images/5')).body.prediction).toBeNull();
  });

  it('the trainer splits a large predictions batch into frames the server accepts', () => {
    const items = Array.from({ length: 20000 }, (_, i) => prediction(i + 1, classes[0].id));
    const out = frames({ type: 'predictions', modelVersion: 1, items });
    expect(out.length).toBeGreaterThan(1);
    for (const f of out) {
      expect(f.length).toBeLessThanOrEqual(TARGET_FRAME_BYTES);
      expect(JSON.parse(f).items.length).toBeLessThanOrEqual(MAX_FRAME_ITEMS);
    }
    expect(out.reduce((n, f) => n + JSON.parse(f).items.length, 0)).toBe(20000);
  });
});
