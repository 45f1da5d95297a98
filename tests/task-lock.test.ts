// One way to lock a session's task: the first use locks it — a PUT /api/session/task, the first annotation, an
// import with labels — and whichever it was, browsers and the trainer hear of it (server/task-lock.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSetting } from '../server/session.ts';
import { browserPeer, type BrowserPeer } from './helpers/peers.ts';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';

let srv: TestServer, br: BrowserPeer, tr: BrowserPeer;
beforeAll(async () => {
  const dir = tempDir();
  await makeSession(dir, 's', 4);
  srv = await serveSession(dir, 's');
  br = await browserPeer(srv.url);
  tr = await browserPeer(srv.url, 'trainer');
});
afterAll(async () => {
  br?.close();
  tr?.close();
  await srv?.close();
});

describe('task lock', () => {
  it('the first annotation locks the task and announces it like PUT /api/session/task does', async () => {
    expect((await srv.api('GET', '/api/session')).body.task).toBeNull();
    // a class without a task: allowed (classes are shared by both tasks)
    const cls = (await srv.api('POST', '/api/classes', { name: 'cat' })).body.class.id as number;
    const r = await srv.api('PUT', '/api/images/1/annotation', { kind: 'label', classId: cls });
    expect(r.status).toBe(200);
    expect(getSetting(srv.ctx.session.db, 'task')).toBe('classification');
    await br.waitFor((f) => f.type === 'session' && f.reason === 'task', 5000);
    await br.waitFor((f) => f.type === 'classes', 5000);
    const reset = await tr.waitFor((f) => f.type === 'reset', 5000);
    expect(reset.reason).toBe('task chosen: classification');
    // a second annotation does not announce again
    const n = br.frames.filter((f) => f.type === 'session' && f.reason === 'task').length;
    await srv.api('PUT', '/api/images/2/annotation', { kind: 'label', classId: cls });
    await br.waitFor((f) => f.type === 'annotation' && f.imageId === 2, 5000);
    expect(br.frames.filter((f) => f.type === 'session' && f.reason === 'task').length).toBe(n);
    expect((await srv.api('PUT', '/api/session/task', { task: 'segmentation' })).body.error.code).toBe('task_locked');
  });
});
