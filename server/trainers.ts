// The trainer supervisor of `hilt start`: one trainer child per active session (one a browser has open),
// started when its first browser joins, stopped after `idleMs` without one, at most `cap` at once (the
// others wait in a queue, first come first served). A pinned session (`--session`) keeps its trainer.
import type { ChildProcess } from 'node:child_process';
import { cpus, freemem } from 'node:os';
import type { Registry } from './context.ts';

export interface SupervisorOptions {
  registry: Registry;
  /** spawn the trainer of a session (`first`: its first start) */
  launch(name: string, first: boolean): ChildProcess;
  cap: number;
  idleMs: number;
  pinned?: string[];
  /** how long a stopped trainer may take to exit before it is killed (default 10 s) */
  killMs?: number;
  log?: (line: string) => void;
}

/**
 * How many trainers may run at once by default: one per core but at least two (a trainer waits for labels
 * most of the time, so two sessions labelled at once each get theirs on a 2-core laptop), and 1 GiB of free
 * memory each.
 */
export function defaultTrainerCap(): number {
  return Math.max(1, Math.min(Math.max(2, cpus().length), Math.floor(freemem() / 2 ** 30)));
}

interface Run {
  child: ChildProcess;
  stopping: boolean;
  exited: Promise<void>;
}

export function superviseTrainers(o: SupervisorOptions) {
  const log = o.log ?? (() => {});
  const pinned = new Set(o.pinned ?? []);
  const running = new Map<string, Run>();
  const queue: string[] = [];
  const wanted = new Set<string>(pinned);
  const idle = new Map<string, ReturnType<typeof setTimeout>>();
  const restarts = new Map<string, number>();
  const killMs = o.killMs ?? 10_000;
  let closed = false;

  const drain = () => {
    while (!closed && running.size < o.cap && queue.length) start(queue.shift()!);
  };
  function start(name: string): void {
    if (closed || running.has(name)) return;
    if (running.size >= o.cap) {
      if (!queue.includes(name)) {
        queue.push(name);
        log(`trainer of "${name}" queued (${running.size} of ${o.cap} running)`);
      }
      return;
    }
    const n = restarts.get(name) ?? 0;
    const child = o.launch(name, n === 0);
    const run: Run = {
      child,
      stopping: false,
      exited: new Promise((res) => child.once('exit', () => res())),
    };
    running.set(name, run);
    log(`trainer of "${name}" started (${running.size} of ${o.cap} running)`);
    child.once('exit', (code, signal) => {
      running.delete(name);
      if (!run.stopping && !closed && wanted.has(name)) {
        // 2 = the server refused it for good (another trainer is connected…): restarting would say the same
        if (code === 2) log(`the trainer of "${name}" was refused (see above)`);
        else if (n < 5) {
          log(`trainer of "${name}" exited (${signal ?? code}); restarting in 2 s`);
          restarts.set(name, n + 1);
          setTimeout(() => wanted.has(name) && start(name), 2000).unref();
        } else log(`trainer of "${name}" exited (${signal ?? code}); giving up — the UI says "trainer offline"`);
      } else log(`trainer of "${name}" stopped`);
      drain();
    });
  }
  /** SIGTERM (the trainer writes what its feature cache buffered), SIGKILL if it is still there after `killMs` */
  function terminate(r: Run): void {
    r.stopping = true;
    r.child.kill('SIGTERM');
    const t = setTimeout(
      () => r.child.exitCode === null && r.child.signalCode === null && r.child.kill('SIGKILL'),
      killMs,
    );
    t.unref();
    void r.exited.then(() => clearTimeout(t));
  }
  function stop(name: string): void {
    wanted.delete(name);
    const q = queue.indexOf(name);
    if (q >= 0) queue.splice(q, 1);
    const r = running.get(name);
    if (r && !r.stopping) terminate(r);
  }
  const onBrowsers = (name: string, n: number) => {
    clearTimeout(idle.get(name));
    idle.delete(name);
    if (n > 0) {
      wanted.add(name);
      restarts.delete(name);
      start(name);
    } else if (!pinned.has(name)) {
      const t = setTimeout(() => {
        idle.delete(name);
        stop(name);
      }, o.idleMs);
      t.unref();
      idle.set(name, t);
    }
  };
  const onClosed = (name: string) => {
    pinned.delete(name);
    stop(name);
  };
  o.registry.events.on('browsers', onBrowsers);
  o.registry.events.on('closed', onClosed);
  o.registry.trainerState = (name) => (running.has(name) ? 'running' : queue.includes(name) ? 'queued' : 'idle');
  for (const name of pinned) start(name);

  return {
    running: () => [...running.keys()],
    queued: () => [...queue],
    /** stop every trainer; settles when they have exited */
    async close(): Promise<void> {
      closed = true;
      o.registry.events.off('browsers', onBrowsers);
      o.registry.events.off('closed', onClosed);
      for (const t of idle.values()) clearTimeout(t);
      queue.length = 0;
      const all = [...running.values()];
      for (const r of all) if (!r.stopping) terminate(r);
      await Promise.all(all.map((r) => r.exited));
    },
  };
}
