// Probes the scale benchmarks run next to a workload: /api/health polled on a fixed period (its latency
// is how long a request waits for the server's event loop) and the RSS of child processes, sampled.
import { readFileSync } from 'node:fs';
import { percentile, round } from './util.ts';

export function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return NaN;
  }
}

/** CPU seconds a process has used (user + system, all its threads), from /proc: load-independent cost */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

export interface Probe {
  phase: string;
  stop(): void;
  summary(phase?: string): { n: number; p50ms: number; p99ms: number; maxMs: number };
}

/** GET /api/health every `everyMs`, each sample tagged with the phase current when it was sent. */
export function healthProbe(base: string, everyMs = 50): Probe {
  const samples: { phase: string; ms: number }[] = [];
  let stopped = false;
  const probe: Probe = {
    phase: 'start',
    stop() {
      stopped = true;
    },
    summary(phase) {
      const xs = samples.filter((s) => !phase || s.phase === phase).map((s) => s.ms);
      return {
        n: xs.length,
        p50ms: round(percentile(xs, 50)),
        p99ms: round(percentile(xs, 99)),
        maxMs: round(xs.length ? Math.max(...xs) : NaN),
      };
    },
  };
  void (async () => {
    while (!stopped) {
      const phase = probe.phase,
        t0 = performance.now();
      try {
        const r = await fetch(`${base}/api/health`);
        await r.arrayBuffer();
        samples.push({ phase, ms: performance.now() - t0 });
      } catch {
        /* server restarting */
      }
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - t0))));
    }
  })();
  return probe;
}

/** The largest RSS of each pid seen, sampled every `everyMs`. */
export function rssSampler(
  pids: () => Record<string, number | undefined>,
  everyMs = 500,
): { peak: Record<string, number>; stop(): void } {
  const peak: Record<string, number> = {};
  const t = setInterval(() => {
    for (const [name, pid] of Object.entries(pids()))
      if (pid) {
        const v = rssMiB(pid);
        if (v > (peak[name] ?? 0)) peak[name] = round(v, 1);
      }
  }, everyMs);
  return { peak, stop: () => clearInterval(t) };
}
