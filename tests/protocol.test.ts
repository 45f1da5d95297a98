// Contract tests of common/protocol.ts, named after its numbered rules (P1–P6), with fake peers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, CLOSE } from '../common/protocol.ts';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';

let srv: TestServer;
let dir: string;
beforeAll(async () => {
  dir = tempDir();
  await makeSession(dir, 'proto', 6);
  srv = await serveSession(dir, 'proto');
  await srv.api('PUT', '/api/session/task', { task: 'classification' });
  await srv.api('POST', '/api/classes', { name: 'a' });
  await srv.api('POST', '/api/classes', { name: 'b' });
});
afterAll(async () => {
  await srv?.close();
});

interface Peer {
  ws: WebSocket;
  frames: any[];
  next(type: string, ms?: number): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
}

function peer(url: string): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace('http', 'ws') + '/ws');
    const frames: any[] = [];
    const waiters: { type: string; fn: (f: any) => void }[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString());
      const w = waiters.findIndex((x) => x.type === f.type);
      if (w >= 0) waiters.splice(w, 1)[0].fn(f);
      else frames.push(f);
    });
    ws.on('open', () =>
      resolve({
        ws,
        frames,
        closed,
        next(type, ms = 5000) {
          const i = frames.findIndex((f) => f.type === type);
          if (i >= 0) return Promise.resolve(frames.splice(i, 1)[0]);
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error(`no ${type} frame within ${ms} ms`)), ms);
            waiters.push({
              type,
              fn: (f) => {
                clearTimeout(t);
                res(f);
              },
            });
          });
        },
      }),
    );
    ws.on('error', reject);
  });
}
const hello = (role: 'browser' | 'trainer', extra: object = {}) =>
  JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION, role, ...extra });

describe('socket protocol', () => {
  it('P1/P5: hello → welcome; a trainer then gets a snapshot with images and classes', async () => {
    const t = await peer(srv.url);
    t.ws.send(hello('trainer'));
    expect(await t.next('welcome')).toMatchObject({ version: PROTOCOL_VERSION, session: 'proto', role: 'trainer' });
    const snap = await t.next('snapshot');
    expect(snap.task).toBe('classification');
    expect(snap.images).toBe(6); // P10: counts in the header, the images in pages after it
    expect(snap.classes.map((c: any) => c.name)).toEqual(['a', 'b']);
    expect((await t.next('snapshot-end')).id).toBe(snap.id);
    const pages = t.frames.filter((f: any) => f.type === 'snapshot-images' && f.id === snap.id);
    expect(pages.flatMap((p: any) => p.images.map((i: any) => i.id))).toEqual([1, 2, 3, 4, 5, 6]);
    t.ws.close();
  });

  it('P2: a version mismatch is closed with a reason naming both versions', async () => {
    const p = await peer(srv.url);
    p.ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION + 1, role: 'browser' }));
    const c = await p.closed;
    expect(c.code).toBe(CLOSE.incompatible);
    expect(c.reason).toContain(String(PROTOCOL_VERSION + 1));
  });

  it('P1: a first frame that is not hello closes the socket with a reason', async () => {
    const p = await peer(srv.url);
    p.ws.send(JSON.stringify({ type: 'focus', imageId: 1 }));
    expect((await p.closed).code).toBe(CLOSE.badHello);
  });

  it('P4: a malformed frame gets an error back and kills neither this connection nor others', async () => {
    const a = await peer(srv.url);
    a.ws.send(hello('browser'));
    await a.next('welcome');
    const b = await peer(srv.url);
    b.ws.send(hello('browser'));
    await b.next('welcome');
    a.ws.send('{oops');
    expect((await a.next('error')).code).toBe('invalid_frame');
    a.ws.send(JSON.stringify({ type: 'focus', imageId: -3 }));
    expect((await a.next('error')).message).toContain('imageId');
    a.ws.send(JSON.stringify({ type: 'ping' }));
    await a.next('pong');
    b.ws.send(JSON.stringify({ type: 'ping' }));
    await b.next('pong');
    a.ws.close();
    b.ws.close();
  });

  it('P6: trainer predictions are persisted, then pushed to a browser focused on that image', async () => {
    const t = await peer(srv.url);
    t.ws.send(hello('trainer'));
    await t.next('snapshot');
    const br = await peer(srv.url);
    br.ws.send(hello('browser'));
    await br.next('welcome');
    expect((await br.next('trainer')).online).toBe(true);
    const classes = (await srv.api('GET', '/api/classes')).body.classes;
    br.ws.send(JSON.stringify({ type: 'focus', imageId: 3 }));
    expect(await t.next('focus')).toEqual({ type: 'focus', imageId: 3 });
    t.ws.send(
      JSON.stringify({
        type: 'predictions',
        modelVersion: 7,
        items: [
          {
            imageId: 3,
            classId: classes[1].id,
            probs: { [classes[0].id]: 0.2, [classes[1].id]: 0.8 },
            uncertainty: 0.4,
          },
          {
            imageId: 4,
            classId: classes[0].id,
            probs: { [classes[0].id]: 0.9, [classes[1].id]: 0.1 },
            uncertainty: 0.2,
          },
        ],
      }),
    );
    const f = await br.next('prediction');
    expect(f).toMatchObject({ modelVersion: 7, prediction: { imageId: 3, classId: classes[1].id } });
    // image 4 was not focused: persisted but not pushed
    const img4 = (await srv.api('GET', '/api/images/4')).body;
    expect(img4.prediction).toMatchObject({ classId: classes[0].id, uncertainty: 0.2 });
    expect(br.frames.some((x) => x.type === 'prediction' && x.prediction.imageId === 4)).toBe(false);
    t.ws.send(JSON.stringify({ type: 'suggestions', modelVersion: 7, lists: { uncertain: [5, 3] } }));
    expect((await br.next('suggestions')).strategies).toEqual(['uncertain']);
    expect((await srv.api('GET', '/api/next?strategy=uncertain&annotator=z')).body).toMatchObject({
      id: 5,
      reason: 'uncertain',
    });
    t.ws.send(
      JSON.stringify({
        type: 'status',
        status: { phase: 'ready', embedded: 6, total: 6, device: 'cpu', backbone: 'tiny' },
      }),
    );
    expect((await br.next('trainer')).status).toMatchObject({ phase: 'ready', embedded: 6 });
    expect((await srv.api('GET', '/api/session')).body.trainer).toMatchObject({
      online: true,
      status: { phase: 'ready' },
    });
    // a label given while a prediction was shown counts towards live accuracy
    await srv.api('PUT', '/api/images/3/annotation', { kind: 'label', classId: classes[1].id });
    expect((await t.next('annotation')).annotation).toMatchObject({ imageId: 3, classId: classes[1].id });
    expect((await srv.api('GET', '/api/stats')).body.live).toMatchObject({ n: 1, correct: 1 });
    t.ws.send(JSON.stringify({ type: 'predictions', modelVersion: 8, items: [{ imageId: 3, classId: 1 }] }));
    expect((await t.next('error')).code).toBe('invalid_frame');
    t.ws.close();
    expect((await br.next('trainer')).online).toBe(false);
    br.ws.close();
  });
});

describe('token off loopback', () => {
  it('P3: a trainer without the token is refused; with it, welcomed', async () => {
    const s = await serveSession(dir, 'proto', { host: '0.0.0.0', token: 'sekrit-token-0123456789' });
    try {
      const url = `http://127.0.0.1:${s.port}`;
      const bad = await peer(url);
      bad.ws.send(hello('trainer', { token: 'nope' }));
      expect((await bad.closed).code).toBe(CLOSE.unauthorised);
      const good = await peer(url);
      good.ws.send(hello('trainer', { token: 'sekrit-token-0123456789' }));
      expect((await good.next('welcome')).role).toBe('trainer');
      good.ws.close();
    } finally {
      await s.close();
    }
  });
});
