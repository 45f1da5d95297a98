// How long the server's event loop is held, for the scale benchmark (HILT_SERVER_STATS_MS): the event
// loop delay (which also counts time the process waited for a CPU) and the longest single piece of
// trainer work (a frame's handling, a delta write, a snapshot page), which is what a refit costs the loop.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const longest = new Map<string, number>();
/** measuring costs a syscall per call: only while someone reads the figures */
let on = false;

/** Note that `kind` work held the loop for `ms`; reported as the longest per period. */
export function noteBusy(kind: string, ms: number): void {
  if (on && ms > (longest.get(kind) ?? 0)) longest.set(kind, ms);
}

/** Run `fn` and note both its wall time and the CPU time it used (`<kind>Cpu`): on a loaded machine the
 *  wall time also counts waiting for a core, the CPU time is what the work itself costs. */
export function timed<T>(kind: string, fn: () => T): T {
  if (!on) return fn();
  const w = performance.now(),
    c = process.cpuUsage();
  try {
    return fn();
  } finally {
    const u = process.cpuUsage(c);
    noteBusy(kind, performance.now() - w);
    noteBusy(`${kind}Cpu`, (u.user + u.system) / 1000);
  }
}

/** Every `everyMs`, a `[stats]` line with the loop delay's p99 and max, and the longest work of each kind. */
export function startLoopStats(log: (line: string) => void, everyMs: number): () => void {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  on = true;
  const t = setInterval(() => {
    const busy = [...longest].map(([k, v]) => `${k}MaxMs=${v.toFixed(1)}`).join(' ');
    log(
      `[stats] loopP99Ms=${(h.percentile(99) / 1e6).toFixed(1)} loopMaxMs=${(h.max / 1e6).toFixed(1)} rssMiB=${(process.memoryUsage.rss() / 2 ** 20).toFixed(1)} ${busy}`,
    );
    h.reset();
    longest.clear();
  }, everyMs);
  t.unref();
  return () => {
    clearInterval(t);
    h.disable();
    on = false;
  };
}
