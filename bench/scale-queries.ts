// Server-side queries on a large session written straight into SQLite (bench/scale-rows.ts): every API
// read a browser makes, timed from a client against a child `hilt serve`, p50/p99/max per query.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchScript, childServer, isMain, percentile, round } from './util.ts';
import { writeRows } from './scale-rows.ts';

export interface QueryTiming {
  name: string;
  path: string;
  samples: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
  status: number;
}

/** Times GET `path` until `maxSamples` or `budgetMs` (at least 3 samples). */
export async function timeGet(
  base: string,
  name: string,
  path: string,
  o: { maxSamples?: number; budgetMs?: number; headers?: Record<string, string> } = {},
): Promise<QueryTiming> {
  const xs: number[] = [];
  let status = 0;
  const t0 = performance.now();
  const one = async () => {
    const s = performance.now();
    const r = await fetch(base + path, { headers: o.headers });
    await r.arrayBuffer();
    status = r.status;
    return performance.now() - s;
  };
  await one(); // warm-up: statement caches, page cache
  while (xs.length < (o.maxSamples ?? 60) && (xs.length < 3 || performance.now() - t0 < (o.budgetMs ?? 10_000)))
    xs.push(await one());
  return {
    name,
    path,
    samples: xs.length,
    p50ms: round(percentile(xs, 50)),
    p99ms: round(percentile(xs, 99)),
    maxMs: round(Math.max(...xs)),
    status,
  };
}

/** The reads a browser makes on a large session; `deep` ones start near the end of the list. */
export function scaleQueries(n: number, classIds: number[]): [string, string][] {
  const c = classIds[1],
    deepId = n - 100;
  return [
    ['health', '/api/health'],
    ['session', '/api/session'],
    ['stats', '/api/stats'],
    ['images, first page', '/api/images?limit=48'],
    ['images, deep page (offset)', `/api/images?limit=48&offset=${n - 100}`],
    ['images, deep page (cursor)', `/api/images?limit=48&cursor=${deepId}`],
    ['images unlabelled', '/api/images?limit=48&unlabelled=1'],
    ['images label=c', `/api/images?limit=48&label=${c}`],
    ['images predicted=c', `/api/images?limit=48&predicted=${c}`],
    ['images wrong', '/api/images?limit=48&wrong=1'],
    ['images sort=uncertainty', '/api/images?limit=48&sort=uncertainty'],
    ['images sort=uncertainty deep (offset)', `/api/images?limit=48&sort=uncertainty&offset=${n - 100}`],
    ['images sort=uncertainty deep (cursor)', `/api/images?limit=48&sort=uncertainty&cursor=0.001,${deepId}`],
    ['images unlabelled sort=uncertainty', '/api/images?limit=48&unlabelled=1&sort=uncertainty'],
    ['image meta (position)', `/api/images/${deepId}`],
    ['next sequential', '/api/next?strategy=sequential&annotator=bench'],
    ['next random', '/api/next?strategy=random&annotator=bench'],
    ['next uncertain', '/api/next?strategy=uncertain&annotator=bench'],
  ];
}

export async function benchScaleQueries(
  o: { images?: number; labelled?: number; quick?: boolean; log?: (s: string) => void; keepDir?: string } = {},
) {
  const n = o.quick ? 5_000 : (o.images ?? 1_000_000);
  const log = o.log ?? (() => {});
  // --keep DIR: write the rows once and reuse them (minutes at 1M rows); the figures are the same
  const dir = o.keepDir ?? mkdtempSync(join(tmpdir(), 'hilt-bench-rows-'));
  try {
    const t0 = performance.now();
    const classIds =
      o.keepDir && existsSync(join(dir, 'rows', 'session.db'))
        ? Array.from({ length: 10 }, (_, i) => i + 1)
        : writeRows(dir, 'rows', { images: n, labelled: o.labelled ?? 0.9, classes: 10 }).classIds;
    log(`rows ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const srv = await childServer(dir, 'rows');
    try {
      const out: QueryTiming[] = [];
      for (const [name, path] of scaleQueries(n, classIds)) {
        const t = await timeGet(srv.url, name, path, o.quick ? { maxSamples: 3 } : {});
        log(`${name}: p50 ${t.p50ms} ms, p99 ${t.p99ms} ms (${t.samples} samples, HTTP ${t.status})`);
        out.push(t);
      }
      // a label saved on the big session (kept counters, triggers): PUT timing
      const save: number[] = [];
      for (let k = 0; k < (o.quick ? 3 : 40); k++) {
        const s = performance.now();
        const r = await fetch(`${srv.url}/api/images/${n - k}/annotation`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'label', classId: classIds[k % classIds.length] }),
        });
        await r.arrayBuffer();
        save.push(performance.now() - s);
      }
      out.push({
        name: 'save a label',
        path: 'PUT /api/images/:id/annotation',
        samples: save.length,
        p50ms: round(percentile(save, 50)),
        p99ms: round(percentile(save, 99)),
        maxMs: round(Math.max(...save)),
        status: 200,
      });
      return {
        name: 'scale-queries',
        images: n,
        labelled: o.labelled ?? 0.9,
        queries: out,
        serverRssMiB: round(srv.rssMiB(), 1),
      };
    } finally {
      await srv.stop();
    }
  } finally {
    if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const o = benchScript('bench/scale-queries.ts', "the server's queries on a large session (JSON on stdout)")
    .option('--images <n>', 'rows in the session', Number)
    .option('--keep <dir>', 'keep the session in this folder')
    .option('--quick', 'smoke sizes')
    .parse()
    .opts<{ images?: number; keep?: string; quick?: boolean }>();
  console.log(
    JSON.stringify(
      await benchScaleQueries({
        images: o.images,
        quick: !!o.quick,
        log: console.error,
        keepDir: o.keep,
      }),
      null,
      2,
    ),
  );
}
