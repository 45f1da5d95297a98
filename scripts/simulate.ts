// `npx hilt simulate`: how many labels would my dataset need with each strategy? A simulated annotator
// labels a dataset with known answers through a real server and a real trainer (scripts/simulate/run.ts),
// once per strategy and repeat, and the curves, the headline and a plot land in --out. `--help` for usage
// (the options: scripts/simulate/options.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { loadDataset } from './simulate/dataset.ts';
import { makeBaseSession } from './simulate/prepare.ts';
import { localRunner, runAll, workerRunner, type Runner, type Task, type TaskResult } from './simulate/runner.ts';
import {
  parseSimArgs,
  simOptionsFrom,
  simulateCommand,
  USAGE,
  UsageError,
  type SimOptions,
} from './simulate/options.ts';
import { ratioSpread, type CurvePoint, type Headline } from './simulate/report.ts';
import { pickShares } from './simulate/picks.ts';
import { eceRows } from './simulate/calibration-report.ts';
import { writeReport, type SimRecord } from './simulate/write-report.ts';
import type { RunResult } from './simulate/run.ts';
import { summariseReview } from './simulate/noise.ts';
import { VAL_FRACTION } from '../common/split.ts';

export { parseSimArgs, USAGE };

export interface SimulateResult {
  out: string;
  files: { json: string; md: string; svg: string };
  curves: Record<string, CurvePoint[]>;
  headline: Headline;
  headlines: Headline[];
  ceiling: number | null;
  seconds: number;
}

/** `npx tsx scripts/simulate.ts ARGS` (and tests): the same command as `hilt simulate`, parsed by commander. */
export async function simulateCli(argv: string[]): Promise<void> {
  const c = simulateCommand().showHelpAfterError();
  await c.action(() => simulateAction(c)).parseAsync(argv, { from: 'user' });
}

/** What `hilt simulate` runs once its command is parsed: a bad value is a usage error (exit code 2). */
export async function simulateAction(c: Command): Promise<void> {
  let o: SimOptions;
  try {
    o = simOptionsFrom(c);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    c.error(`error: ${e.message}`, { exitCode: 2, code: 'hilt.usage' });
  }
  await runSimulate(o);
}

/** Runs a simulation (or re-renders one, --report) and says which files it wrote. */
export async function runSimulate(o: SimOptions): Promise<void> {
  const rel = (f: string) => relative(process.cwd(), f) || f;
  if (o.report) {
    // re-render a measurement: the curves, headlines, table and plot are derived from its runs
    const rec = JSON.parse(readFileSync(o.report, 'utf8')) as SimRecord;
    if (rec.version !== 1 || !rec.runs) throw new Error(`${o.report}: not a simulate.json`);
    mkdirSync(o.out, { recursive: true });
    const r = writeReport(rec, o.out);
    process.stdout.write(`wrote ${rel(r.files.json)}, ${rel(r.files.md)}, ${rel(r.files.svg)}\n`);
    return;
  }
  const r = await simulate(o);
  process.stdout.write(`\nwrote ${rel(r.files.json)}, ${rel(r.files.md)}, ${rel(r.files.svg)}\n`);
}

export async function simulate(
  o: SimOptions,
  say: (line: string) => void = (l) => {
    if (!o.quiet) process.stdout.write(l + '\n');
  },
): Promise<SimulateResult> {
  const T0 = performance.now();
  const work = o.work ?? mkdtempSync(join(tmpdir(), 'hilt-simulate-'));
  const sessionsDir = join(work, 'sessions'),
    cacheRoot = join(work, 'features');
  mkdirSync(sessionsDir, { recursive: true });
  mkdirSync(o.out, { recursive: true });
  // the in-process trainer logs every refit with console.log: keep those lines out of the progress output
  const trainerLog: string[] = [];
  const consoleLog = console.log;
  console.log = (...a: unknown[]) => {
    trainerLog.push(a.map(String).join(' '));
    if (trainerLog.length > 5000) trainerLog.splice(0, 1000);
  };
  try {
    const seg = o.task === 'segmentation';
    const ds = await loadDataset(o, work);
    say(
      `dataset: ${ds.name || o.data}: ${ds.pool.length} pool + ${ds.test.length} held-out test images, ${ds.classNames.length} classes${ds.skipped.length ? ` (${ds.skipped.length} skipped, e.g. ${ds.skipped[0]})` : ''}`,
    );
    if (o.budget > ds.pool.length)
      say(`note: budget ${o.budget} > pool ${ds.pool.length}: runs stop when the pool is labelled`);
    for (let rep = o.firstRepeat; rep <= o.repeats; rep++) await makeBaseSession(o, ds, work, sessionsDir, rep, say);

    const tasks: Task[] = [];
    for (let rep = o.firstRepeat; rep <= o.repeats; rep++)
      for (const strategy of o.strategies) tasks.push({ strategy, repeat: rep, ceiling: tasks.length === 0 });
    const paths = { work, sessionsDir, cacheRoot };
    const P = Math.min(o.parallel, tasks.length);
    say(
      `${tasks.length} runs (${o.strategies.length} strategies × ${o.repeats - o.firstRepeat + 1} repeats), ${P} at a time`,
    );
    // the first run embeds the pool into the shared feature cache; the others reuse it
    const first = localRunner(o, paths, say, ds);
    const runners: Runner[] = P > 1 ? Array.from({ length: P }, (_, i) => workerRunner(o, paths, say, i)) : [first];
    const runs: Record<string, RunResult[]> = Object.fromEntries(o.strategies.map((s) => [s, []]));
    let ceiling: number | null = null;
    let results: TaskResult[];
    const machine = {
      cores: cpus().length,
      cpu: cpus()[0]?.model?.trim() ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    };
    const metricName = seg ? 'mIoU' : 'accuracy';
    const record = (rs: Record<string, RunResult[]>): SimRecord => {
      const review =
        o.noise > 0
          ? Object.fromEntries(Object.keys(rs).map((s) => [s, summariseReview(rs[s].map((r) => r.review))]))
          : null;
      return {
        version: 1,
        date: new Date().toISOString(),
        machine,
        seconds: Math.round((performance.now() - T0) / 1000),
        options: { ...o, out: undefined, work: undefined },
        dataset: {
          name: ds.name || o.data || '',
          task: o.task,
          classes: ds.classNames,
          pool: ds.pool.length,
          test: ds.test.length,
          skipped: ds.skipped.length,
        },
        metric: metricName,
        ceiling,
        runs: rs,
        notes: methodNotes(o, ds.pool.length, ds.test.length, rs),
        ...(review ? { review: { noise: o.noise, perStrategy: review } } : {}),
      };
    };
    // every finished run is kept at once in simulate.partial.json (`--report` renders it), so a long
    // measurement stopped early still has its finished runs
    const partial = join(o.out, 'simulate.partial.json'),
      finished: (TaskResult | undefined)[] = [];
    const keep = (i: number, r: TaskResult) => {
      finished[i] = r;
      if (r.ceiling !== null) ceiling = r.ceiling;
      const rs: Record<string, RunResult[]> = {};
      tasks.forEach((t, k) => {
        if (finished[k]) (rs[t.strategy] ??= []).push(finished[k]!.result);
      });
      writeFileSync(partial, JSON.stringify(record(rs), null, 1));
    };
    try {
      const T1 = performance.now();
      const progress = (t: Task, r: TaskResult, done: number) => {
        keep(tasks.indexOf(t), r);
        const elapsed = (performance.now() - T1) / 1000,
          left = tasks.length - done;
        const secs = ((elapsed / done) * left) / (done > 1 ? 1 : P);
        const eta = left ? ` — about ${secs < 90 ? `${Math.ceil(secs)} s` : `${Math.ceil(secs / 60)} min`} left` : '';
        say(
          `[${done}/${tasks.length}] done: ${t.strategy}, repeat ${t.repeat} (${r.result.seconds.toFixed(0)} s)${eta}`,
        );
      };
      const head = await first.run(tasks[0]);
      progress(tasks[0], head, 1);
      const rest = await runAll(tasks.slice(1), runners, (t, r, done) => progress(t, r, done + 1));
      results = [head, ...rest];
    } finally {
      await Promise.all(runners.filter((r) => r !== first).map((r) => r.close()));
    }
    results.forEach((r, i) => {
      runs[tasks[i].strategy].push(r.result);
      if (r.ceiling !== null) ceiling = r.ceiling;
      if (r.result.timeouts)
        say(
          `warning: ${tasks[i].strategy} repeat ${tasks[i].repeat}: ${r.result.timeouts} refits did not finish within ${o.timeoutMs} ms`,
        );
    });

    const seconds = (performance.now() - T0) / 1000;
    const rec = record(runs);
    const { files, curves, headline: head, headlines } = writeReport(rec, o.out);
    rmSync(partial, { force: true });
    say('');
    for (const h of headlines) {
      say(
        `${seg ? 'strokes' : 'labels'} to reach ${Math.round(h.fraction * 100)} % of the final ${metricName} (${h.target?.toFixed(3) ?? '–'}):`,
      );
      for (const [s, x] of Object.entries(h.perStrategy)) {
        say(
          `  ${s.padEnd(11)} ${String(x.needed ?? '> budget').padStart(8)}   ratio to sequential ${x.ratioToSequential?.toFixed(2) ?? '–'} (per repeat ${ratioSpread(x)})   final ${x.final?.toFixed(3) ?? '–'}`,
        );
      }
    }
    for (const [s, v] of Object.entries(rec.review?.perStrategy ?? {})) {
      if (v)
        say(
          `likely label errors, ${s}: ${v.flipped.toFixed(1)} flipped of ${v.labelled.toFixed(0)} labels; precision = recall at k ${v.precisionAtK?.toFixed(2) ?? '–'}; flagged ${v.flagged.toFixed(1)} (precision ${v.flaggedPrecision?.toFixed(2) ?? '–'}, recall ${v.flaggedRecall?.toFixed(2) ?? '–'})`,
        );
    }
    for (const p of pickShares(runs))
      if (p.picks)
        say(
          `picks, ${p.strategy}: ${p.picks}, fallback ${(100 * p.fallbackShare!).toFixed(1)} % (latest predictions ${p.predictions}, val-side ${p.val}, random ${p.random})`,
        );
    const ece = eceRows(runs).at(-1);
    if (ece)
      say(
        `test ECE at ${ece.labels} labels (before temperature scaling): ${Object.entries(ece.perStrategy)
          .map(([k, v]) => `${k} ${v ? `${v[0].toFixed(3)} (${v[1].toFixed(3)})` : '–'}`)
          .join(', ')}`,
      );
    say(`done in ${(seconds / 60).toFixed(1)} min`);
    return { out: o.out, files, curves, headline: head, headlines, ceiling, seconds };
  } catch (e) {
    consoleLog(`last trainer log lines:\n${trainerLog.slice(-30).join('\n')}`);
    throw e;
  } finally {
    await new Promise((r) => setTimeout(r, 100)); // the trainer's socket reports its close a moment later
    console.log = consoleLog;
    if (o.keep) writeFileSync(join(work, 'trainer.log'), trainerLog.join('\n') + '\n');
    else if (!o.work) rmSync(work, { recursive: true, force: true });
  }
}

function methodNotes(o: SimOptions, pool: number, test: number, runs: Record<string, RunResult[]>): string[] {
  const seg = o.task === 'segmentation';
  const notes = [
    `Each run: a fresh session with the ${pool} pool images imported unlabelled (${o.order === 'shuffled' ? 'in a random order per repeat, so sequential = labelling in an arbitrary order' : 'in the dataset order'}), classes created with the true names, a real server and a real trainer (in process, backbone ${o.backbone}, refit debounce ${o.debounceMs} ms).`,
    `The annotator asks GET /api/next, looks at the prediction shown, answers with the true ${seg ? 'mask as scribbles (at most ' + o.strokes + ' strokes per region, kept a brush width away from the boundary)' : 'label'}, asks for the next image right away (as the UI does: chosen from the suggestions of the model before this label), focuses it, and waits for the refit to finish before the next answer.`,
    `Test ${seg ? "mIoU (every pixel at full resolution, the predicted maps refined to the image's edges as Enter accepts them)" : 'accuracy'}: the trainer's current head on ${test} held-out images no session ever saw, embedded once with the same backbone. The trainer fits on its train split only (${Math.round((1 - VAL_FRACTION) * 100)} % of the labels by image-id hash; the rest are its validation labels).`,
    seg
      ? 'Live accuracy: share of painted pixels where the prediction shown before painting agreed.'
      : 'Live accuracy: GET /api/stats `live` (the prediction shown vs the label then given), cumulative over the run.',
    "Label→prediction: from the PUT of a label to the arrival, on a browser socket focused on the next image, of that image's prediction from the refitted model (the trainer runs in the same process, so this is an upper bound).",
    `mix = uncertain with ${Math.round(o.mixRandom * 100)} % random picks (random picks come from the server's unseeded random strategy, so random and mix are not reproducible exactly).`,
    `"Same labels, cold refit": the trainer's training labels at the end fitted from scratch with the same head; compare with the live (warm-started) head.`,
    ...(o.noise > 0
      ? [
          `--noise ${o.noise}: the annotator answers another class (uniformly) for a seeded ${Math.round(o.noise * 100)} % of the images; the curves are those of a model trained on these noisy labels, scored against the true test labels.`,
        ]
      : []),
  ];
  return notes;
}

// `npx tsx scripts/simulate.ts [options]` works too (the same as `npx hilt simulate`)
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  await simulateCli(process.argv.slice(2));
