// Nothing stale presented as current: accept-prediction takes the model version the annotator saw (409
// when the stored prediction changed since), model-based strategies do not pick by a model nobody serves
// (trainer offline), and a reset tells browsers the archived session's model is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer } from './helpers/peers.ts';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../common/protocol.ts';

let srv: TestServer;
let classes: { id: number }[];
beforeAll(async () => {
  const dir = tempDir();
  await makeSession(dir, 'model', 10);
  srv = await serveSession(dir, 'model');
  await srv.api('PUT', '/api/session/task', { task: 'classification' });
  for (const name of ['a', 'b']) await srv.api('POST', '/api/classes', { name });
  classes = (await srv.api('GET', '/api/classes')).body.classes;
});
afterAll(async () => {
  await srv?.close();
});

/** A fake trainer that has said hello; close() resolves once the server saw it go. */
async function trainer() {
  const ws = new WebSocket(srv.url.replace('http', 'ws') + '/ws');
  const got: any[] = [];
  ws.on('message', (d) => got.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION, role: 'trainer' }));
  const until = async (pred: () => boolean) => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  await until(() => got.some((f) => f.type === 'snapshot'));
  return {
    send: (m: object) => ws.send(JSON.stringify(m)),
    async close() {
      ws.close();
      await until(() => !srv.ctx.trainer.online);
    },
    until,
  };
}
/** Poll until the server reflects what the fake trainer sent (it persists asynchronously to us). */
async function eventually(fn: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 300; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const versionOf = async (id: number) => (await srv.api('GET', `/api/images/${id}`)).body.prediction?.modelVersion;
const predict = (imageId: number, classId: number, v: number) => ({
  type: 'predictions',
  modelVersion: v,
  items: [
    {
      imageId,
      classId,
      probs: {
        [classes[0].id]: classId === classes[0].id ? 0.9 : 0.1,
        [classes[1].id]: classId === classes[1].id ? 0.9 : 0.1,
      },
      uncertainty: 0.2,
    },
  ],
});

describe('accept-prediction checks the model version that was shown', () => {
  it('answers 409 stale_prediction for an older version, and accepts the version it has', async () => {
    const t = await trainer();
    t.send(predict(3, classes[0].id, 1));
    await eventually(async () => (await versionOf(3)) === 1, 'prediction v1');
    const shown = (await srv.api('GET', '/api/images/3')).body.prediction;
    expect(shown).toMatchObject({ classId: classes[0].id, modelVersion: 1 });
    // the model refits and re-predicts image 3 before the annotator's key arrives
    t.send(predict(3, classes[1].id, 2));
    await eventually(async () => (await versionOf(3)) === 2, 'prediction v2');
    const stale = await srv.api('POST', '/api/images/3/accept-prediction', { modelVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'stale_prediction' });
    expect(stale.body.error.message).toMatch(/v1 → v2/);
    expect((await srv.api('GET', '/api/images/3')).body.annotation).toBeNull();
    const ok = await srv.api('POST', '/api/images/3/accept-prediction', { modelVersion: 2 });
    expect(ok.status).toBe(200);
    expect(ok.body.annotation).toMatchObject({ kind: 'label', classId: classes[1].id });
    // without a version (scripts) the stored prediction is accepted as before
    t.send(predict(4, classes[0].id, 2));
    await eventually(async () => (await versionOf(4)) === 2, 'prediction of #4');
    expect((await srv.api('POST', '/api/images/4/accept-prediction')).status).toBe(200);
    expect((await srv.api('POST', '/api/images/5/accept-prediction', { modelVersion: 'x' })).status).toBe(400);
    await t.close();
  });
});

describe('model strategies while the trainer is offline', () => {
  it('picks by the suggestions while the trainer is there, and falls back to sequential, saying why, once it is gone', async () => {
    const t = await trainer();
    t.send({ type: 'suggestions', modelVersion: 2, lists: { uncertain: [9, 8] } });
    await eventually(
      async () => (await srv.api('GET', '/api/session')).body.strategies.includes('uncertain'),
      'suggestions',
    );
    expect((await srv.api('GET', '/api/next?strategy=uncertain&annotator=u1')).body).toMatchObject({
      id: 9,
      reason: 'uncertain',
      why: 'model unsure',
    });
    await t.close();
    const off = (await srv.api('GET', '/api/next?strategy=uncertain&annotator=u2')).body;
    expect(off.reason).toBe('uncertain: fallback to sequential (the trainer is offline)');
    expect(off.id).toBe(1);
  });
});

describe('reset', () => {
  it("tells browsers the trainer status is gone (the archived session's model) before the session frame", async () => {
    const t = await trainer();
    t.send({
      type: 'status',
      status: { phase: 'ready', embedded: 10, total: 10, device: 'cpu', backbone: 'tiny', modelVersion: 3 },
    });
    const br = await browserPeer(srv.url);
    await br.waitFor((f) => f.type === 'trainer' && f.status?.modelVersion === 3, 5000);
    expect((await srv.api('POST', '/api/session/reset', { confirm: 'model' })).status).toBe(200);
    const session = await br.waitFor((f) => f.type === 'session' && f.reason === 'reset', 5000);
    const trainerFrames = br.frames.filter((f) => f.type === 'trainer');
    const last = trainerFrames.at(-1);
    expect(last).toEqual({ type: 'trainer', online: true, status: null });
    expect(br.frames.indexOf(last)).toBeLessThan(br.frames.indexOf(session));
    expect((await srv.api('GET', '/api/session')).body.trainer).toEqual({ online: true, status: null });
    br.close();
    await t.close();
  });
});
