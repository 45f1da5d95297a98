// `npm run bench` / `hilt bench`: runs every benchmark (or --only a,b), writes bench/results/<date>.json,
// prints each figure against its target (PASS / SHORT — a SHORT never fails the run), and rewrites the
// table in docs/benchmarks.md between <!-- bench:start --> and <!-- bench:end --> (and the segmentation table
// in docs/segmentation.md). --quick is the CI smoke: tiny sizes, checks the output format only, leaves the
// docs alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { machine, round } from './util.ts';

export interface Check {
  bench: string;
  metric: string;
  value: number | null;
  unit: string;
  target: string;
  pass: boolean | null;
  note?: string;
}
type Runner = (quick: boolean, log: (s: string) => void) => Promise<{ raw: unknown; checks: Check[] }>;

const fmt = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? null : round(v, 3));
const check = (
  bench: string,
  metric: string,
  value: number | null | undefined,
  unit: string,
  target: string,
  ok: (v: number) => boolean,
  note?: string,
): Check => {
  const v = fmt(value);
  return { bench, metric, value: v, unit, target, pass: v === null || !target ? null : ok(v), note };
};

export const BENCHES: Record<string, Runner> = {
  async import(quick) {
    const { benchImport } = await import('./import.ts');
    const r = await benchImport(quick ? { count: 40, repeats: 1, profile: false } : {});
    return {
      raw: r,
      checks: [
        check(
          'import',
          `import ${r.images} ${r.size} JPEGs (with thumbnails)`,
          r.imgPerSec,
          'img/s',
          '≥ 300',
          (v) => v >= 300,
        ),
      ],
    };
  },
  async loop(quick) {
    const { benchLoop } = await import('./loop.ts');
    const r = await benchLoop({ quick });
    return {
      raw: r,
      checks: [
        check(
          'loop',
          `next+save p99, ${r.clients} clients every 250 ms, ${r.images} images`,
          r.paced.p99ms,
          'ms',
          '≤ 20',
          (v) => v <= 20,
        ),
        check(
          'loop',
          `next+save throughput, ${r.clients} clients, no think time`,
          r.saturated.loopsPerSec,
          'loops/s',
          '',
          () => true,
          `p99 ${r.saturated.p99ms} ms`,
        ),
      ],
    };
  },
  async rss(quick) {
    const { benchRss } = await import('./loop.ts');
    const r = await benchRss({ quick });
    return {
      raw: r,
      checks: [check('rss', `server RSS with ${r.images} image rows`, r.rssMiB, 'MiB', '≤ 250', (v) => v <= 250)],
    };
  },
  async embed(quick, log) {
    const { benchEmbed } = await import('./embed.ts');
    const r = await benchEmbed(quick ? { quick: true, backbones: ['tiny'], log } : { log });
    return {
      raw: r,
      checks: r.rows.flatMap((row) => [
        check(
          'embed',
          `${row.backbone} embedding, pipeline (${row.device}, ${row.resolution}px, batch ${row.batchSize})`,
          row.pipelineImgPerSec,
          'img/s',
          '',
          () => true,
          `bare session.run ${row.bareImgPerSec} img/s`,
        ),
        check(
          'embed',
          `${row.backbone} pipeline efficiency (pipeline ÷ bare run)`,
          row.efficiency,
          '',
          '≥ 0.85',
          (v) => v >= 0.85,
        ),
      ]),
    };
  },
  async refit(quick) {
    const { benchRefit } = await import('./refit.ts');
    const r = await benchRefit(quick ? { sizes: [200], repeats: 1 } : {});
    return {
      raw: r,
      checks: r.results.map((row) =>
        check(
          'refit',
          `refit after 1 new label, ${row.labels} labels (D=${row.d}, C=${row.C})`,
          row.seconds_median,
          's',
          row.labels <= 1000 ? '≤ 0.1' : row.labels <= 10_000 ? '≤ 1' : '',
          (v) => v <= (row.labels <= 1000 ? 0.1 : 1),
        ),
      ),
    };
  },
  async latency(quick, log) {
    const { benchLatency } = await import('./latency.ts');
    const r = await benchLatency({ quick, log });
    return {
      raw: r,
      checks: [
        check(
          'latency',
          `label → focused prediction p50, ${r.images} images (tiny backbone)`,
          r.p50ms,
          'ms',
          '',
          () => true,
        ),
        check(
          'latency',
          `label → focused prediction p95, ${r.images} images (tiny backbone)`,
          r.p95ms,
          'ms',
          '≤ 500',
          (v) => v <= 500,
        ),
      ],
    };
  },
  async 'latency-seg'(quick, log) {
    const { benchLatencySeg } = await import('./latency-seg.ts');
    const r = await benchLatencySeg({ quick, log });
    const n = `${r.images} demo scenes, ${r.labels} labelled (${r.backbone})`;
    const checks = [
      check('latency-seg', `segmentation: label → focused map p50, ${n}`, r.mapP50ms, 'ms', '', () => true),
      check('latency-seg', `segmentation: label → focused map p95, ${n}`, r.mapP95ms, 'ms', '≤ 5000', (v) => v <= 5000),
    ];
    // a map with no shape region to name has no second frame
    if (r.namedP95ms !== null)
      checks.push(
        check(
          'latency-seg',
          `segmentation: label → focused map with its regions named p95, ${n}`,
          r.namedP95ms,
          'ms',
          '',
          () => true,
          r.unnamed ? `${r.unnamed} of ${r.repeats} maps had no region to name` : undefined,
        ),
      );
    return { raw: r, checks };
  },
  async 'latency-sessions'(quick, log) {
    const { benchLatencySessions } = await import('./latency-sessions.ts');
    const r = await benchLatencySessions({ quick, log });
    const n = `${r.images} images each (tiny backbone)`;
    return {
      raw: r,
      checks: [
        check(
          'latency-sessions',
          `label → prediction p95, one active session, ${n}`,
          r.oneActive.p95ms,
          'ms',
          '',
          () => true,
        ),
        check(
          'latency-sessions',
          `label → prediction p95, two active sessions at once, ${n}`,
          r.twoActive.p95ms,
          'ms',
          '≤ 500',
          (v) => v <= 500,
        ),
      ],
    };
  },
  // `--scale` (not in the default run; CI runs them at smoke sizes with --quick): large sessions
  async 'scale-loop'(quick, log) {
    const { benchScaleLoop } = await import('./scale-loop.ts');
    const r = await benchScaleLoop({ quick, log });
    const n = `${r.images} images`;
    return {
      raw: r,
      checks: [
        check(
          'scale-loop',
          `label → viewed prediction p50, ${n}, a label every ${r.paceMs} ms`,
          r.labelToViewed.p50ms,
          'ms',
          '',
          () => true,
        ),
        check(
          'scale-loop',
          `label → viewed prediction p95, ${n}, a label every ${r.paceMs} ms`,
          r.labelToViewed.p95ms,
          'ms',
          '≤ 300',
          (v) => v <= 300,
        ),
        check(
          'scale-loop',
          `/api/health p99 while labelling, ${n}`,
          r.health.labelling.p99ms,
          'ms',
          '≤ 50',
          (v) => v <= 50,
          `server's longest trainer frame ${r.serverLoop.labelling.frameCpuMaxMs ?? '—'} ms CPU, delta write ${r.serverLoop.labelling.deltaWriteCpuMaxMs ?? '—'} ms CPU`,
        ),
        check(
          'scale-loop',
          `/api/health p99 while embedding, ${n}`,
          r.health.embedding.p99ms,
          'ms',
          '≤ 50',
          (v) => v <= 50,
        ),
        check(
          'scale-loop',
          `bytes the trainer sends per refit, ${n}`,
          r.bytesPerRefit / 1024,
          'KiB',
          '≤ 1024',
          (v) => v <= 1024,
          `${r.refits} refits; deltas ${Math.round(r.deltaBytesPerRefit / 1024)} KiB`,
        ),
        check(
          'scale-loop',
          `embedding rate at the end ÷ at the start, ${n} (tiny)`,
          r.embed.endImgPerSec / r.embed.startImgPerSec,
          '',
          '≥ 0.9',
          (v) => v >= 0.9,
          `${r.embed.startImgPerSec} → ${r.embed.endImgPerSec} img/s`,
        ),
        check(
          'scale-loop',
          `import ${n} (64 px PNGs)`,
          r.import.imgPerSec,
          'img/s',
          '',
          () => true,
          `peak RSS ${r.import.peakRssMiB} MiB`,
        ),
        check(
          'scale-loop',
          `RSS of server / trainer, ${n}`,
          r.rssMiB.server,
          'MiB',
          '',
          () => true,
          `trainer ${r.rssMiB.trainer} MiB`,
        ),
      ],
    };
  },
  async 'scale-queries'(quick, log) {
    const { benchScaleQueries } = await import('./scale-queries.ts');
    const r = await benchScaleQueries({ quick, log });
    const worst = [...r.queries].filter((q) => !q.name.includes('(offset)')).sort((a, b) => b.p99ms - a.p99ms)[0];
    const offset = r.queries.filter((q) => q.name.includes('(offset)')).sort((a, b) => b.p99ms - a.p99ms)[0];
    return {
      raw: r,
      checks: [
        check(
          'scale-queries',
          `every API read and a save, p99, ${r.images} image rows (worst of ${r.queries.length})`,
          worst.p99ms,
          'ms',
          '≤ 50',
          (v) => v <= 50,
          `worst: ${worst.name}`,
        ),
        check(
          'scale-queries',
          `deepest page by offset, ${r.images} rows (by cursor: see above)`,
          offset.p99ms,
          'ms',
          '',
          () => true,
          offset.name,
        ),
        check('scale-queries', `server RSS, ${r.images} image rows`, r.serverRssMiB, 'MiB', '', () => true),
      ],
    };
  },
  async 'scale-trainer'(quick, log) {
    const { benchScaleTrainer } = await import('./scale-trainer.ts');
    const r = await benchScaleTrainer({ quick, log });
    const n = `${r.images} images, ${r.d}-d`;
    return {
      raw: r,
      checks: [
        check(
          'scale-trainer',
          `trainer connected (snapshot streamed), ${n}`,
          r.connectSeconds,
          's',
          '',
          () => true,
          `first lap + suggestions ${r.firstLapSeconds} s more`,
        ),
        check(
          'scale-trainer',
          `trainer RSS, ${n}`,
          r.rssMiB.trainer,
          'MiB',
          '≤ 2048',
          (v) => v <= 2048,
          `server ${r.rssMiB.server} MiB`,
        ),
        check(
          'scale-trainer',
          `/api/health p99 while the trainer connects and sweeps, ${n}`,
          Math.max(r.health.connect.p99ms, r.health.firstLap.p99ms),
          'ms',
          '≤ 50',
          (v) => v <= 50,
        ),
        check(
          'scale-trainer',
          `label → viewed prediction p95, ${n}`,
          r.labelToViewed.p95ms,
          'ms',
          '',
          () => true,
          `p50 ${r.labelToViewed.p50ms} ms`,
        ),
      ],
    };
  },
  async paint(quick, log) {
    const { benchPaint } = await import('./paint.ts');
    const r = await benchPaint(quick ? { presses: 6, log } : { log });
    return {
      raw: r,
      checks: [
        check('paint', 'next key → next image painted p50 (Chromium, prefetch on)', r.next.p50, 'ms', '', () => true),
        check(
          'paint',
          'next key → next image painted p95 (Chromium, prefetch on)',
          r.next.p95,
          'ms',
          '≤ 100',
          (v) => v <= 100,
        ),
        check('paint', 'label key → next image painted p95', r.label.p95, 'ms', '', () => true),
      ],
    };
  },
  async segrefine(quick, log) {
    const { benchSegRefine } = await import('./seg-refine.ts');
    const r = await benchSegRefine({ quick, log });
    return {
      raw: r,
      checks: [
        ...r.rows.map((x) =>
          check(
            'segrefine',
            `seg full-res mIoU refined, ${x.style} scenes, ${x.head}`,
            x.refined.miou,
            '',
            `≥ oracle ${round(x.oracle.miou, 3)}`,
            (v) => v >= round(x.oracle.miou, 3),
            `grid ${x.grid}; stride-32 oracle ${round(x.oracle32.miou, 3)}; nearest ${round(x.nearest.miou, 3)}, bilinear ${round(x.bilinear.miou, 3)}; boundary F refined ${round(x.refined.boundaryF, 2)} vs oracle ${round(x.oracle.boundaryF, 2)}; with 2 strokes per region on the image ${round(x.withStrokes.miou, 3)}`,
          ),
        ),
        ...r.rows
          .filter((x) => x.head.startsWith('scribbles'))
          .map((x) =>
            check(
              'segrefine',
              `seg full-res mIoU of the patch-grid oracle refined (d″), ${x.style} scenes`,
              x.refinedOracle.miou,
              '',
              `≥ oracle ${round(x.oracle.miou, 3)}`,
              (v) => v >= round(x.oracle.miou, 3),
              `what the refinement adds to a perfect patch classifier; boundary F ${round(x.refinedOracle.boundaryF, 2)} vs ${round(x.oracle.boundaryF, 2)}`,
            ),
          ),
        ...r.rows
          .filter((x) => x.head.startsWith('scribbles'))
          .map((x) =>
            check(
              'segrefine',
              `seg full-res mIoU, a few strokes then Enter (e), ${x.style} scenes, head on ${x.head}`,
              x.withStrokes.miou,
              '',
              `≥ oracle ${round(x.oracle.miou, 3)}`,
              (v) => v >= round(x.oracle.miou, 3),
              `≤ 2 strokes per region on the test image, flooded to their region's edges; boundary F ${round(x.withStrokes.boundaryF, 2)} vs oracle ${round(x.oracle.boundaryF, 2)}`,
            ),
          ),
        check(
          'segrefine',
          'seg refinement to full resolution, per megapixel (one thread, CPU time)',
          r.time.refineMsPerMp,
          'ms',
          '< 100',
          (v) => v < 100,
          `wall ${r.time.refineWallMsPerMp} ms on this shared machine; with strokes on the image ${r.time.withStrokesMsPerMp} ms/MP; SLIC ${r.time.slicMsPerMp} ms/MP`,
        ),
      ],
    };
  },
  async segfew(quick, log) {
    const { benchSegFew } = await import('./seg-few.ts');
    const r = await benchSegFew({ quick, log });
    return {
      raw: r,
      checks: r.rows.flatMap((x) =>
        x.curve.map((c) =>
          check(
            'segfew',
            `seg accepted mask ÷ patch-grid oracle, ${c.labelled} labelled scenes, ${x.style} scenes`,
            c.ratio,
            '×',
            c.labelled === 5 ? '≥ 0.85' : '',
            c.labelled === 5 ? (v) => v >= 0.85 : () => true,
            `mIoU ${c.miou} vs oracle ${x.oracle} (dense masks, draws ${c.draws.join(' / ')}); head + refine ${x.predictMs} ms per image`,
          ),
        ),
      ),
    };
  },
};

export function table(checks: Check[], m: ReturnType<typeof machine>, date: string): string {
  const rows = checks.map(
    (c) =>
      `| ${c.metric} | ${c.value ?? '—'} ${c.unit} | ${c.target || '—'} | ${c.pass === null ? '—' : c.pass ? 'PASS' : 'SHORT'} | ${c.note ?? ''} |`,
  );
  return [
    `Measured ${date} on ${m.cores} cores (${m.cpu}), ${m.memGiB} GiB, Node ${m.node}, onnxruntime-node ${m.packages['onnxruntime-node']}, no GPU.`,
    '',
    '| benchmark | measured | target | | note |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** `hilt bench`'s options (commander makes its --help); `npx tsx bench/run.ts` parses the same. */
export function benchCommand(c: Command = new Command('hilt bench')): Command {
  return c
    .summary('run the benchmark suite (writes bench/results/<date>.json and the table in docs/benchmarks.md)')
    .description(
      `Runs the benchmarks and prints each figure against its target (PASS / SHORT; a SHORT never fails the run). Writes bench/results/<date>.json and regenerates the benchmark table in docs/benchmarks.md (and the segmentation table in docs/segmentation.md).`,
    )
    .option('--quick', 'tiny sizes for a CI smoke run (output format only; the docs are left alone)')
    .option(
      '--scale',
      "the large-session benchmarks instead: 100k images end to end, 1M rows for the server's queries, 1M images for the trainer (about an hour on 2 cores; not in CI)",
    )
    .option('--only <list>', `run only these benchmarks, comma-separated: ${Object.keys(BENCHES).join(', ')}`)
    .option('--out <dir>', 'results folder', join('bench', 'results'))
    .option('--no-docs', 'do not touch the docs')
    .option('--no-readme', 'the same as --no-docs');
}

/** `npx tsx bench/run.ts ARGS`: the same command as `hilt bench`. */
export async function benchCli(argv: string[]): Promise<void> {
  const c = benchCommand().showHelpAfterError();
  await c.action(() => benchAction(c)).parseAsync(argv, { from: 'user' });
}

export async function benchAction(c: Command): Promise<void> {
  const o = c.opts<{ quick?: boolean; scale?: boolean; only?: string; out: string; docs: boolean; readme: boolean }>();
  const quick = !!o.quick;
  // the scale benchmarks take an hour on 2 cores: only with --scale, or at smoke sizes with --quick
  const scale = (n: string) => n.startsWith('scale');
  const names = o.only
    ? o.only.split(',')
    : Object.keys(BENCHES).filter((n) => quick || (o.scale ? scale(n) : !scale(n)));
  for (const n of names)
    if (!BENCHES[n]) c.error(`error: unknown benchmark "${n}" (have: ${Object.keys(BENCHES).join(', ')})`);
  const outDir = o.out;
  const m = machine();
  const date = new Date().toISOString().slice(0, 10);
  const results: Record<string, unknown> = {};
  const checks: Check[] = [];
  const log = (s: string) => console.error(`  ${s}`);
  for (const name of names) {
    console.error(`bench ${name}${quick ? ' (quick)' : ''}…`);
    const t0 = performance.now();
    try {
      const r = await BENCHES[name](quick, log);
      results[name] = r.raw;
      checks.push(...r.checks);
      for (const c of r.checks)
        console.log(
          `${c.pass === null ? 'INFO ' : c.pass ? 'PASS ' : 'SHORT'} ${c.metric}: ${c.value ?? '—'} ${c.unit}${c.target ? ` (target ${c.target})` : ''}${c.note ? ` — ${c.note}` : ''}`,
        );
    } catch (e) {
      results[name] = { error: (e as Error).message };
      checks.push({
        bench: name,
        metric: `${name} failed to run`,
        value: null,
        unit: '',
        target: '',
        pass: false,
        note: (e as Error).message.slice(0, 200),
      });
      console.log(`ERROR ${name}: ${(e as Error).stack}`);
    }
    console.error(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${date}${quick ? '-quick' : ''}.json`);
  // a second run the same day (`--only a,b`) adds to that day's file: the benchmarks it did not run are kept
  const day = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { checks: Check[]; results: Record<string, unknown> })
    : { checks: [], results: {} };
  const dayChecks = [...day.checks.filter((c) => !names.includes(c.bench)), ...checks];
  writeFileSync(
    file,
    JSON.stringify({ date, quick, machine: m, checks: dayChecks, results: { ...day.results, ...results } }, null, 2),
  );
  writeFileSync(file.replace(/\.json$/, '.md'), table(dayChecks, m, date) + '\n');
  console.log(`wrote ${file}`);
  if (quick) return;
  // the docs show the latest figure of every benchmark: rows of benchmarks not run this time are kept
  const latestFile = join(outDir, 'latest.json');
  const prev: Check[] = existsSync(latestFile) ? JSON.parse(readFileSync(latestFile, 'utf8')).checks : [];
  const merged = [...prev.filter((c) => !names.includes(c.bench)), ...checks].sort(
    (a, b) => Object.keys(BENCHES).indexOf(a.bench) - Object.keys(BENCHES).indexOf(b.bench),
  );
  writeFileSync(latestFile, JSON.stringify({ date, machine: m, checks: merged }, null, 2));
  if (!o.docs || !o.readme) return;
  replaceMarked('docs/benchmarks.md', 'bench', table(merged, m, date));
  if (results.segfew && !(results.segfew as { error?: string }).error) {
    const { segFewMarkdown } = await import('./seg-few.ts');
    replaceMarked(
      'docs/segmentation.md',
      'seg-few',
      segFewMarkdown(results.segfew as never, `${m.cores} cores (${m.cpu}), Node ${m.node}`, date),
    );
  }
  // the segmentation page shows the four upsamplings side by side with the refine time
  if (results.segrefine && !(results.segrefine as { error?: string }).error) {
    const { segRefineMarkdown } = await import('./seg-refine.ts');
    replaceMarked(
      'docs/segmentation.md',
      'seg-refine',
      segRefineMarkdown(results.segrefine as never, `${m.cores} cores (${m.cpu}), Node ${m.node}`, date),
    );
  }
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` in a docs file, if both are there. */
export function replaceMarked(file: string, name: string, text: string): void {
  if (!existsSync(file)) return;
  const doc = readFileSync(file, 'utf8');
  const re = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`);
  const next = doc.replace(re, () => `<!-- ${name}:start -->\n${text}\n<!-- ${name}:end -->`);
  if (next !== doc) {
    writeFileSync(file, next);
    console.log(`${file}: table updated`);
  }
}

if (process.argv[1]?.endsWith('bench/run.ts')) await benchCli(process.argv.slice(2));
