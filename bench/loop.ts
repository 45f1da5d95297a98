// The annotator loop under load: 20 concurrent clients each doing GET /api/next then PUT a label, on a
// 10k-image session served by a child `hilt serve` process. Reports loop throughput and per-loop p50/p99.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchScript, childServer, isMain, median, percentile, round, syntheticSession } from './util.ts';

export interface LoopOptions {
  images?: number;
  clients?: number;
  seconds?: number;
  quick?: boolean;
  thinkMs?: number;
}

export async function benchLoop(o: LoopOptions = {}) {
  const n = o.quick ? 500 : (o.images ?? 10_000),
    clients = o.quick ? 4 : (o.clients ?? 20),
    seconds = o.quick ? 1 : (o.seconds ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'hilt-bench-loop-'));
  syntheticSession(dir, 'loop', n);
  const srv = await childServer(dir, 'loop');
  try {
    const j = (method: string, path: string, body?: unknown, who = 'x') =>
      fetch(srv.url + path, {
        method,
        headers: { 'content-type': 'application/json', 'x-annotator': who },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => {
        if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
        return r.json();
      });
    await j('PUT', '/api/session/task', { task: 'classification' });
    const classes = await Promise.all(['a', 'b', 'c'].map((name) => j('POST', '/api/classes', { name })));
    // paced: each client labels every thinkMs (a fast human is ~1 s; 250 ms is 4x faster), the target's case;
    // saturated: no think time at all, which measures the server's ceiling (latency = clients / throughput)
    const run = async (think: number, secs: number) => {
      const lat: number[] = [];
      const worker = async (c: number, until: number) => {
        await new Promise((r) => setTimeout(r, Math.random() * think)); // clients do not arrive in lock-step
        for (let k = 0; Date.now() < until; k++) {
          const t0 = performance.now();
          const next = await j('GET', `/api/next?strategy=sequential&annotator=c${c}`, undefined, `c${c}`);
          if (next.id === null) return;
          await j(
            'PUT',
            `/api/images/${next.id}/annotation`,
            { kind: 'label', classId: classes[k % 3].class.id },
            `c${c}`,
          );
          const dt = performance.now() - t0;
          lat.push(dt);
          if (think) await new Promise((r) => setTimeout(r, Math.max(0, think - dt)));
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: clients }, (_, c) => worker(c, Date.now() + secs * 1000)));
      const wall = (performance.now() - t0) / 1000;
      return {
        thinkMs: think,
        seconds: round(wall),
        loops: lat.length,
        loopsPerSec: round(lat.length / wall, 1),
        p50ms: round(median(lat)),
        p99ms: round(percentile(lat, 99)),
      };
    };
    await run(0, 0.5); // warm-up
    const paced = await run(o.thinkMs ?? 250, seconds);
    const saturated = await run(0, seconds);
    return { name: 'loop', images: n, clients, paced, saturated, rssMiB: round(srv.rssMiB(), 1) };
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchRss(o: { images?: number; quick?: boolean } = {}) {
  const n = o.quick ? 2000 : (o.images ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'hilt-bench-rss-'));
  syntheticSession(dir, 'rss', n);
  const srv = await childServer(dir, 'rss');
  try {
    // touch what a working session touches: summary, stats, pages of the list, next
    for (const p of [
      '/api/session',
      '/api/stats',
      '/api/images?limit=500',
      `/api/images?limit=500&offset=${n - 500}`,
      '/api/next',
      '/api/images?unlabelled=1&limit=100',
    ]) {
      const r = await fetch(srv.url + p);
      if (!r.ok) throw new Error(`${p}: ${r.status}`);
      await r.arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 500));
    return { name: 'rss', images: n, rssMiB: round(srv.rssMiB(), 1) };
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const quick = !!benchScript('bench/loop.ts', 'the labelling loop and the memory it takes (JSON on stdout)')
    .option('--quick', 'tiny sizes')
    .parse()
    .opts<{ quick?: boolean }>().quick;
  console.log(JSON.stringify({ loop: await benchLoop({ quick }), rss: await benchRss({ quick }) }, null, 2));
}
