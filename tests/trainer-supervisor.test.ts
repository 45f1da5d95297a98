// hilt start's trainer supervisor on a real server with real trainer children (tiny backbone): a trainer
// starts when a browser opens its session, waits in the queue past the cap, and stops after the idle time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer } from './helpers/peers.ts';
import { superviseTrainers } from '../server/trainers.ts';

let dir: string;
let srv: TestServer;
let sup: ReturnType<typeof superviseTrainers>;
const launched: string[] = [];

beforeAll(async () => {
  dir = tempDir();
  await makeSession(dir, 'one', 6);
  await makeSession(dir, 'two', 6);
  await makeSession(dir, 'home', 2);
  srv = await serveSession(dir, 'home');
  sup = superviseTrainers({
    registry: srv.registry,
    cap: 1,
    idleMs: 1500,
    launch: (name) => {
      launched.push(name);
      return spawn(
        process.execPath,
        [
          'bin/hilt.js',
          'train',
          '--session',
          name,
          '--sessions-dir',
          dir,
          '--server',
          `${srv.url.replace('http', 'ws')}/ws?session=${name}`,
          '--backbone',
          'tiny',
          '--device',
          'cpu',
          '--offline',
        ],
        { stdio: 'ignore' },
      );
    },
  });
});
afterAll(async () => {
  await sup?.close();
  await srv?.close();
});

const states = async () =>
  Object.fromEntries(
    (await srv.api('GET', '/api/sessions')).body.sessions.map((s: any) => [s.name, s.trainer]),
  ) as Record<string, string>;
async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const online = (name: string) => srv.registry.peek(name)?.ctx.trainer.online === true;

describe('the trainer supervisor', () => {
  it('starts a trainer per opened session, queues past the cap, stops after idle', async () => {
    expect(await states()).toEqual({ home: 'idle', one: 'idle', two: 'idle' });
    const a = await browserPeer(srv.url, 'browser', 'one');
    await until('the trainer of "one" to connect', () => online('one'));
    expect((await states()).one).toBe('running');
    const b = await browserPeer(srv.url, 'browser', 'two');
    await b.waitFor((f) => f.type === 'welcome');
    await until('"two" to be queued', async () => (await states()).two === 'queued');
    expect(sup.running()).toEqual(['one']);
    // the browser of "one" leaves: its trainer stops after the idle time, and "two"'s starts
    a.close();
    await until('the trainer of "two" to connect', () => online('two'));
    expect(online('one')).toBe(false);
    expect(await states()).toMatchObject({ one: 'idle', two: 'running' });
    // a browser of "two" got told the trainer came online, in its own session
    await b.waitFor((f) => f.type === 'trainer' && f.online === true);
    b.close();
    await until('the trainer of "two" to stop', async () => (await states()).two === 'idle');
    expect(launched).toEqual(['one', 'two']);
    expect(sup.running()).toEqual([]);
  }, 120_000);
});
