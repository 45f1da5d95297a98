// A refused write leaves the session as it was: after a reset, a stale tab's write naming a class the
// fresh session does not have is refused and does not lock the task. A write in flight while the
// session is reset gets a clean 503 session_resetting with Retry-After, not a 500; a trainer frame that
// lands while the database is closed is answered on its socket, not thrown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeGate } from '../server/security/decode.ts';
import { closeSession } from '../server/session.ts';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { socketPeer } from './helpers/http.ts';

let srv: TestServer;
beforeAll(async () => {
  const dir = tempDir();
  await makeSession(dir, 'rs', 4, { width: 32, height: 24 });
  srv = await serveSession(dir, 'rs');
});
afterAll(async () => {
  await srv?.close();
});

const task = async () => (await srv.api('GET', '/api/session')).body.task;
const reset = async () => expect((await srv.api('POST', '/api/session/reset', { confirm: 'rs' })).status).toBe(200);
const maskB64 = async (value: number) =>
  (
    await sharp(Buffer.alloc(32 * 24, value), { raw: { width: 32, height: 24, channels: 1 } })
      .png()
      .toBuffer()
  ).toString('base64');

describe('a refused write after a reset', () => {
  it('a stale label naming an old class is refused (404) and the fresh session stays task-less', async () => {
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    const cat = (await srv.api('POST', '/api/classes', { name: 'cat' })).body.class;
    expect((await srv.api('PUT', '/api/images/1/annotation', { kind: 'label', classId: cat.id })).status).toBe(200);
    await reset();
    expect(await task()).toBeNull();
    const stale = await srv.api('PUT', '/api/images/1/annotation', { kind: 'label', classId: cat.id });
    expect([stale.status, stale.body.error.code]).toEqual([404, 'class_not_found']);
    expect(await task()).toBeNull();
    // so the fresh session can still become a segmentation session
    expect((await srv.api('PUT', '/api/session/task', { task: 'segmentation' })).status).toBe(200);
  });

  it('a stale mask naming an old class is refused (400) and does not lock the task either', async () => {
    await reset();
    const r = await srv.api('PUT', '/api/images/2/annotation', {
      kind: 'mask',
      points: [{ classId: 7, x: 1, y: 1 }],
      mask: await maskB64(7),
    });
    expect([r.status, r.body.error.code]).toEqual([400, 'invalid_annotation']);
    expect(await task()).toBeNull();
    // a write that succeeds does lock it
    expect((await srv.api('PUT', '/api/images/2/annotation', { kind: 'skip' })).status).toBe(200);
    expect(await task()).toBe('classification');
  });
});

describe('a write in flight during a reset', () => {
  it('answers 503 session_resetting with Retry-After, not a 500', async () => {
    await reset();
    await srv.api('PUT', '/api/session/task', { task: 'segmentation' });
    const k = (await srv.api('POST', '/api/classes', { name: 'road' })).body.class;
    // hold both decode slots so the mask PUT waits, mid-request, while the session is reset
    const release: (() => void)[] = [];
    const held = [0, 1].map(() => decodeGate.run(1, () => new Promise<void>((r) => release.push(r))));
    const put = fetch(`${srv.url}/api/images/3/annotation`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'mask', points: [], mask: await maskB64(k.id) }),
    });
    for (let t0 = Date.now(); decodeGate.inFlight.waiting === 0 && Date.now() - t0 < 5000;)
      await new Promise((r) => setTimeout(r, 10));
    expect(decodeGate.inFlight.waiting).toBe(1);
    await reset();
    for (const r of release) r();
    await Promise.all(held);
    const res = await put;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as any).error.code).toBe('session_resetting');
    expect(await task()).toBeNull();
  });
});

describe('a trainer frame that meets a reset', () => {
  it('is answered session_resetting and dropped; the socket and the server go on', async () => {
    const t = await socketPeer(srv.url, 'trainer');
    await t.next('snapshot');
    // the reset route closes the database, then renames the folder: a frame can land in between
    await closeSession(srv.ctx.session);
    t.ws.send(JSON.stringify({ type: 'metric', name: 'train_loss', step: 1, value: 0.5 }));
    const err = await t.next('error');
    expect(err.code).toBe('session_resetting');
    srv.ctx.reopen();
    t.ws.send(JSON.stringify({ type: 'ping' }));
    await t.next('pong');
    t.ws.send(JSON.stringify({ type: 'metric', name: 'train_loss', step: 2, value: 0.25 }));
    t.ws.send(JSON.stringify({ type: 'ping' }));
    await t.next('pong');
    const m = (await srv.api('GET', '/api/stats')).body.metrics;
    expect(m.train_loss.map((p: { step: number }) => p.step)).toEqual([2]);
    t.ws.close();
    await t.closed;
  });
});
