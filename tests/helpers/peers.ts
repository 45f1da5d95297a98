// Small socket and process helpers shared by the socket and end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../common/protocol.ts';

export interface BrowserPeer {
  ws: WebSocket;
  frames: any[];
  waitFor(pred: (f: any) => boolean, ms?: number): Promise<any>;
  close(): void;
}

/** A browser-role socket that records every frame (`role: 'trainer'`: a fake trainer, welcomed first);
 *  `session`: join that session (`/ws?session=NAME`) instead of the server's default one. */
export function browserPeer(
  url: string,
  role: 'browser' | 'trainer' = 'browser',
  session?: string,
): Promise<BrowserPeer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws' + (session ? `?session=${session}` : ''));
    const frames: any[] = [];
    const waiters: { pred: (f: any) => boolean; fn: (f: any) => void }[] = [];
    ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString());
      frames.push(f);
      for (const w of [...waiters])
        if (w.pred(f)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.fn(f);
        }
    });
    ws.on('error', reject);
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION, role }));
      resolve({
        ws,
        frames,
        close: () => ws.close(),
        waitFor(pred, ms = 30_000) {
          const hit = frames.find(pred);
          if (hit) return Promise.resolve(hit);
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error(`no matching frame within ${ms} ms`)), ms);
            waiters.push({
              pred,
              fn: (f) => {
                clearTimeout(t);
                res(f);
              },
            });
          });
        },
      });
    });
  });
}

export interface Child {
  proc: ChildProcess;
  out: () => string;
  waitForLine(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `node bin/hilt.js ...args` as a child process with its output captured. */
export function hilt(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, ['bin/hilt.js', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  const listeners: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of [...listeners]) l();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  return {
    proc,
    out: () => out,
    waitForLine(re, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            done();
            resolve(m);
          }
        };
        const t = setTimeout(() => {
          done();
          reject(new Error(`no ${re} within ${ms} ms; output:\n${out.slice(-3000)}`));
        }, ms);
        const onExit = () => {
          done();
          reject(new Error(`process exited before ${re}; output:\n${out.slice(-3000)}`));
        };
        const done = () => {
          clearTimeout(t);
          listeners.splice(listeners.indexOf(check), 1);
          proc.off('exit', onExit);
        };
        listeners.push(check);
        proc.on('exit', onExit);
        check();
      });
    },
    stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null) return Promise.resolve();
      return new Promise((r) => {
        proc.once('exit', () => r());
        proc.kill(signal);
      });
    },
  };
}

/** `hilt train` offline for one session of a test server (as a child process; not yet connected). */
export function trainerFor(sessionsDir: string, session: string, serverUrl: string, backbone = 'tiny'): Child {
  return hilt([
    'train',
    '--session',
    session,
    '--sessions-dir',
    sessionsDir,
    '--server',
    serverUrl.replace('http', 'ws') + '/ws',
    '--backbone',
    backbone,
    '--offline',
  ]);
}

/** `hilt train` with the tiny backbone, offline, for one session of a test server; resolves once connected. */
export async function tinyTrainer(sessionsDir: string, session: string, serverUrl: string): Promise<Child> {
  const c = trainerFor(sessionsDir, session, serverUrl);
  await c.waitForLine(/connected to/);
  return c;
}
