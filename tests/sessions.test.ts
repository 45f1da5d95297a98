// Many sessions from one server: /api/sessions (list, create, rename, reset), names that are not safe
// folder names, the single-session routes on the default session, two sessions labelled at once staying
// apart (HTTP and socket frames), and tokens limited to some sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer } from './helpers/peers.ts';
import WebSocket from 'ws';
import { addToken, tokensFile } from '../server/security/tokens.ts';
import { CLOSE, PROTOCOL_VERSION } from '../common/protocol.ts';

let dir: string;
let srv: TestServer;
beforeAll(async () => {
  dir = tempDir();
  await makeSession(dir, 'alpha', 10);
  await makeSession(dir, 'beta', 10);
  srv = await serveSession(dir, 'alpha');
});
afterAll(async () => {
  await srv?.close();
});

const expectError = (r: { status: number; body: any }, status: number, code: string) => {
  expect(r.status).toBe(status);
  expect(r.body).toMatchObject({ error: { code, message: expect.any(String) } });
};

describe('the sessions API', () => {
  it('lists every session with its counts; the single-session routes stay on the default one', async () => {
    const r = await srv.api('GET', '/api/sessions');
    expect(r.status).toBe(200);
    expect(r.body.default).toBe('alpha');
    expect(r.body.sessions.map((s: any) => s.name)).toEqual(['alpha', 'beta']);
    expect(r.body.sessions[1]).toMatchObject({ name: 'beta', images: 10, labelled: 0, task: null, open: false });
    expect((await srv.api('GET', '/api/session')).body.name).toBe('alpha');
    expect((await srv.api('GET', '/api/sessions/beta/session')).body.name).toBe('beta');
    expect((await srv.api('GET', '/api/sessions/beta/images?limit=3')).body.total).toBe(10);
  });

  it('creates a session with a task, renames it, resets it (the folder is renamed)', async () => {
    const c = await srv.api('POST', '/api/sessions', { name: 'gamma', task: 'segmentation' });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: 'gamma', task: 'segmentation', images: 0 });
    expect(existsSync(join(dir, 'gamma', 'session.db'))).toBe(true);
    expectError(await srv.api('POST', '/api/sessions', { name: 'gamma' }), 409, 'session_exists');
    expect((await srv.api('GET', '/api/sessions/gamma/session')).body.task).toBe('segmentation');
    const rn = await srv.api('POST', '/api/sessions/gamma/rename', { to: 'delta' });
    expect(rn.status).toBe(200);
    expect(rn.body.name).toBe('delta');
    expect(existsSync(join(dir, 'gamma'))).toBe(false);
    expectError(await srv.api('GET', '/api/sessions/gamma/session'), 404, 'no_session');
    expect((await srv.api('GET', '/api/sessions/delta/session')).body).toMatchObject({
      name: 'delta',
      task: 'segmentation',
    });
    expectError(await srv.api('POST', '/api/sessions/alpha/rename', { to: 'zeta' }), 409, 'default_session');
    expectError(await srv.api('POST', '/api/sessions/beta/rename', { to: 'delta' }), 409, 'session_exists');
    const reset = await srv.api('POST', '/api/sessions/delta/session/reset', { confirm: 'delta' });
    expect(reset.status).toBe(200);
    expect(reset.body.archivedAs).toMatch(/^delta\.\d{8}T\d{6}Z/);
    expect((await srv.api('GET', '/api/sessions/delta/session')).body.task).toBe(null);
    // the archived copy is kept, and not listed as a session
    expect(readdirSync(dir).some((e) => e.startsWith('delta.'))).toBe(true);
    const names = (await srv.api('GET', '/api/sessions')).body.sessions.map((s: any) => s.name);
    expect(names).toEqual(['alpha', 'beta', 'delta']);
  });

  it('refuses names that are not a safe folder name, with JSON 4xx', async () => {
    for (const name of [
      '',
      '..',
      '.',
      '...',
      'a/b',
      '../x',
      'x.y',
      '.hidden',
      'con',
      'NUL',
      'lpt1',
      'a'.repeat(65),
      ' sp',
    ])
      expectError(await srv.api('POST', '/api/sessions', { name }), 400, 'invalid_session');
    expectError(await srv.api('POST', '/api/sessions', { name: 7 }), 400, 'invalid_session');
    expectError(await srv.api('POST', '/api/sessions/beta/rename', { to: '../beta2' }), 400, 'invalid_session');
    expectError(await srv.api('GET', '/api/sessions/..%2Falpha/session'), 400, 'invalid_session');
    expectError(await srv.api('GET', '/api/sessions/a%2Fb/session'), 400, 'invalid_session');
    expectError(await srv.api('GET', '/api/sessions/con/session'), 400, 'invalid_session');
    expectError(await srv.api('GET', '/api/sessions/nope/session'), 404, 'no_session');
    expectError(await srv.api('GET', '/api/sessions/beta/nowhere'), 404, 'not_found');
    expect(readdirSync(dir).filter((e) => /^(con|nul|lpt1)$/i.test(e))).toEqual([]);
  });
});

describe('two sessions labelled at once', () => {
  it('keep their images, labels, predictions and socket frames apart', async () => {
    const base = { alpha: '/api/sessions/alpha', beta: '/api/sessions/beta' } as const;
    const cls: Record<string, number> = {};
    for (const s of ['alpha', 'beta'] as const) {
      await srv.api('PUT', `${base[s]}/session/task`, { task: 'classification' });
      cls[s] = (await srv.api('POST', `${base[s]}/classes`, { name: `only-${s}` })).body.class.id;
    }
    const trainers = {
      alpha: await browserPeer(srv.url, 'trainer', 'alpha'),
      beta: await browserPeer(srv.url, 'trainer', 'beta'),
    };
    const browsers = {
      alpha: await browserPeer(srv.url, 'browser', 'alpha'),
      beta: await browserPeer(srv.url, 'browser', 'beta'),
    };
    for (const s of ['alpha', 'beta'] as const) {
      await browsers[s].waitFor((f) => f.type === 'welcome');
      expect(browsers[s].frames.find((f) => f.type === 'welcome').session).toBe(s);
      await trainers[s].waitFor((f) => f.type === 'snapshot-end');
    }
    // 10 labels in each session, interleaved, each with its own annotator
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => i + 1).flatMap((id) =>
        (['alpha', 'beta'] as const).map((s) =>
          srv.api(
            'PUT',
            `${base[s]}/images/${id}/annotation`,
            { kind: 'label', classId: cls[s] },
            {
              'X-Annotator': `ann-${s}`,
            },
          ),
        ),
      ),
    );
    for (const s of ['alpha', 'beta'] as const) {
      const other = s === 'alpha' ? 'beta' : 'alpha';
      // the trainer of each session saw exactly its own 10 labels
      await trainers[s].waitFor(() => trainers[s].frames.filter((f) => f.type === 'annotation').length >= 10);
      const seen = trainers[s].frames.filter((f) => f.type === 'annotation');
      expect(seen).toHaveLength(10);
      expect(seen.every((f) => f.annotation.classId === cls[s] && f.annotation.annotator === `ann-${s}`)).toBe(true);
      await browsers[s].waitFor(() => browsers[s].frames.filter((f) => f.type === 'annotation').length >= 10);
      const frames = browsers[s].frames.filter((f) => f.type === 'annotation');
      expect(frames).toHaveLength(10);
      expect(JSON.stringify(browsers[s].frames)).not.toContain(`ann-${other}`);
      const list = (await srv.api('GET', `${base[s]}/images?limit=50`)).body;
      expect(list.total).toBe(10);
      const stats = (await srv.api('GET', '/api/sessions')).body.sessions.find((x: any) => x.name === s);
      expect(stats).toMatchObject({ labelled: 10, byAnnotator: { [`ann-${s}`]: 10 } });
      expect(stats.byAnnotator[`ann-${other}`]).toBeUndefined();
    }
    // each trainer predicts its own session; the other session never sees it
    const predict = (s: 'alpha' | 'beta', u: number) =>
      trainers[s].ws.send(
        JSON.stringify({
          type: 'predictions',
          modelVersion: s === 'alpha' ? 3 : 5,
          items: [{ imageId: 2, classId: cls[s], probs: { [cls[s]]: 1 }, uncertainty: u }],
        }),
      );
    browsers.alpha.ws.send(JSON.stringify({ type: 'focus', imageId: 2 }));
    browsers.beta.ws.send(JSON.stringify({ type: 'focus', imageId: 2 }));
    await trainers.alpha.waitFor((f) => f.type === 'focus');
    await trainers.beta.waitFor((f) => f.type === 'focus');
    predict('alpha', 0.11);
    predict('beta', 0.77);
    for (const s of ['alpha', 'beta'] as const) {
      const f = await browsers[s].waitFor((x) => x.type === 'prediction');
      expect(f.modelVersion).toBe(s === 'alpha' ? 3 : 5);
      const img = (await srv.api('GET', `${base[s]}/images/2`)).body;
      expect(img.prediction).toMatchObject({ classId: cls[s], uncertainty: s === 'alpha' ? 0.11 : 0.77 });
    }
    expect(browsers.alpha.frames.filter((f) => f.type === 'prediction')).toHaveLength(1);
    expect(browsers.beta.frames.filter((f) => f.type === 'prediction')).toHaveLength(1);
    for (const p of [...Object.values(trainers), ...Object.values(browsers)]) p.close();
  });
});

describe('tokens limited to sessions', () => {
  it('see only their sessions and get 403 JSON elsewhere', async () => {
    const bob = addToken(tokensFile(dir), 'bob', ['beta']);
    await new Promise((r) => setTimeout(r, 1100)); // the token file is re-read at most once a second
    const auth = { Authorization: `Bearer ${bob}` };
    const list = await srv.api('GET', '/api/sessions', undefined, auth);
    expect(list.body.sessions.map((s: any) => s.name)).toEqual(['beta']);
    expect((await srv.api('GET', '/api/sessions/beta/session', undefined, auth)).body.name).toBe('beta');
    expectError(await srv.api('GET', '/api/sessions/alpha/session', undefined, auth), 403, 'forbidden_session');
    // the single-session routes are the default session's (alpha): closed to bob too
    expectError(await srv.api('GET', '/api/session', undefined, auth), 403, 'forbidden_session');
    expectError(await srv.api('POST', '/api/sessions', { name: 'bobs' }, auth), 403, 'forbidden_session');
    expect((await srv.api('GET', '/api/me', undefined, auth)).body.annotator).toBe('bob');
    // the socket, with the token on the upgrade or in the hello: refused for alpha, welcomed in beta
    const join = (session: string, how: 'header' | 'hello') =>
      new Promise<{ code: number; frames: any[] }>((resolve) => {
        const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws?session=${session}`, {
          headers: how === 'header' ? auth : {},
        });
        const frames: any[] = [];
        ws.on('open', () =>
          ws.send(
            JSON.stringify({
              type: 'hello',
              version: PROTOCOL_VERSION,
              role: 'browser',
              ...(how === 'hello' ? { token: bob } : {}),
            }),
          ),
        );
        ws.on('message', (m) => {
          frames.push(JSON.parse(m.toString()));
          if (frames.some((f) => f.type === 'welcome')) ws.close(1000);
        });
        ws.on('close', (code) => resolve({ code, frames }));
      });
    for (const how of ['header', 'hello'] as const) {
      const no = await join('alpha', how);
      expect(no.code).toBe(CLOSE.forbidden);
      expect(no.frames.some((f) => f.type === 'welcome')).toBe(false);
      const yes = await join('beta', how);
      expect(yes.frames.find((f) => f.type === 'welcome')?.session).toBe('beta');
    }
  });
});

describe('open sessions', () => {
  it('are closed after a while without sockets or requests; the default one stays open', async () => {
    const { startServer } = await import('../server/serve.ts');
    const s = await startServer({
      sessionsDir: dir,
      session: 'alpha',
      port: 0,
      webDir: null,
      log: () => {},
      sessionIdleMs: 300,
    });
    try {
      expect((await fetch(`${s.url}/api/sessions/beta/session`)).status).toBe(200);
      expect(s.registry.peek('beta')).toBeDefined();
      // a socket keeps it open
      const peer = await browserPeer(s.url, 'browser', 'beta');
      await peer.waitFor((f) => f.type === 'welcome');
      await new Promise((r) => setTimeout(r, 900));
      expect(s.registry.peek('beta')).toBeDefined();
      peer.close();
      const t0 = Date.now();
      while (s.registry.peek('beta') && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
      expect(s.registry.peek('beta')).toBeUndefined();
      expect(s.registry.peek('alpha')).toBeDefined();
      // and opened again on the next request
      expect((await (await fetch(`${s.url}/api/sessions/beta/session`)).json()).name).toBe('beta');
    } finally {
      await s.close();
    }
  });
});

describe('a remote trainer addresses one session', () => {
  it('joins /ws?session=NAME and reads images from /api/sessions/NAME', async () => {
    const { httpBaseOf, sessionSocketUrl } = await import('../trainer/main.ts');
    expect(sessionSocketUrl('ws://gpu:8001', 'pets')).toBe('ws://gpu:8001/ws?session=pets');
    expect(sessionSocketUrl('ws://gpu:8001/ws', 'pets')).toBe('ws://gpu:8001/ws?session=pets');
    expect(sessionSocketUrl('wss://h/ws?session=birds', 'pets')).toBe('wss://h/ws?session=birds');
    expect(httpBaseOf('wss://h:9/ws?session=pets')).toBe('https://h:9/api/sessions/pets');
    expect(httpBaseOf('ws://h:9/ws')).toBe('http://h:9/api');
    // what the trainer fetches there is the session's own file
    const id = (await srv.api('GET', '/api/sessions/beta/images?limit=1')).body.items[0].id;
    const r = await fetch(`${httpBaseOf(sessionSocketUrl(srv.url.replace('http', 'ws'), 'beta'))}/images/${id}/file`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^image\//);
  });
});
