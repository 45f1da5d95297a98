// One simulated annotator session: a copy of the repeat's base session (pool imported, unlabelled), a real
// server (in process) and a real trainer (in process, so its head can be scored on the test set), driven
// through the HTTP API and a browser socket exactly as the UI does:
//   look at the image in view (GET /api/images/:id: the prediction shown; the server logs it for live
//   accuracy) → PUT the true answer → GET /api/next (chosen right away from the suggestions of the model
//   before this label, as the UI does) → focus it → the refit's prediction for it arrives (latency) →
//   wait for the refit cycle to finish (a human takes that long to look) → every k labels: score.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { startServer } from '../../server/serve.ts';
import { runTrainer } from '../../trainer/main.ts';
import type { Trainer } from '../../trainer/trainer.ts';
import { rng } from '../make-mnist.ts';
import { api, browserSocket, type BrowserSocket } from './client.ts';
import type { Dataset, Item } from './dataset.ts';
import { scribbleAgreement, type TestSet } from './evaluate.ts';
import type { Upsampling } from './evaluate-seg.ts';
import type { SimOptions, SimStrategy } from './options.ts';
import { paintScribbles } from './painter.ts';
import { FEW_LABELS } from './seg-metrics.ts';
import { copySession } from './prepare.ts';
import { noisyAnswer, scoreReview, type ReviewScore } from './noise.ts';

export interface Point {
  labels: number;
  strokes: number;
  /** test accuracy / mIoU of the current head (null: no model yet) */
  metric: number | null;
  /** classification: expected calibration error of the shown probabilities on the test set (null: no model) */
  ece?: number | null;
  /** the same before temperature scaling */
  eceRaw?: number | null;
  /** the same labels fitted from scratch instead of warm-started (diagnostic) */
  metricCold: number | null;
  /** prediction shown vs answer: cumulative and over the last k labels (null: nothing was shown) */
  live: number | null;
  liveWindow: number | null;
  /** the trainer's own val_accuracy / val_miou (its hash split of the labels) */
  val: number | null;
  latencyP50: number | null;
  latencyP95: number | null;
  seconds: number;
}
export interface RunResult {
  strategy: SimStrategy;
  repeat: number;
  points: Point[];
  latencyMs: { n: number; p50: number | null; p95: number | null; max: number | null };
  /** what /api/next said it did, counted (e.g. fallbacks to sequential before the first model) */
  reasons: Record<string, number>;
  timeouts: number;
  modelVersion: number;
  seconds: number;
  /** --noise: the likely-label-error list scored against the flipped labels at the end of the run */
  review: ReviewScore | null;
  /** segmentation: the final head's maps to full resolution four ways (evaluate-seg.ts) */
  upsampling?: Upsampling | null;
}
export interface RunEnv {
  o: SimOptions;
  ds: Dataset;
  test: TestSet;
  sessionsDir: string;
  cacheRoot: string;
  truthOf: Map<number, Item>;
  say(line: string): void;
  /** called once the trainer has embedded everything (first run: the ceiling is computed there) */
  onReady?(t: Trainer): void;
}

export const quantile = (xs: number[], q: number): number | null => {
  if (!xs.length) return null;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

export async function simulateRun(env: RunEnv, strategy: SimStrategy, repeat: number): Promise<RunResult> {
  const { o, ds } = env;
  const seg = ds.task === 'segmentation';
  const name = `r${repeat}-${strategy}`;
  copySession(env.sessionsDir, repeat, name);
  const srv = await startServer({ sessionsDir: env.sessionsDir, session: name, port: 0, webDir: null, log: () => {} });
  let br: BrowserSocket | null = null;
  let stopTrainer: (() => Promise<void>) | null = null;
  const T0 = performance.now();
  try {
    await api(srv.url, 'PUT', '/api/session/task', { task: ds.task });
    const classId = new Map<number, number>(); // dataset class index → session class id
    for (const [i, n] of ds.classNames.entries())
      classId.set(i, (await api(srv.url, 'POST', '/api/classes', { name: n })).class.id);
    br = await browserSocket(srv.url);
    const r = await runTrainer({
      session: name,
      sessionsDir: env.sessionsDir,
      server: srv.url.replace(/^http/, 'ws') + '/ws',
      backbone: o.backbone,
      device: 'cpu',
      resolution: String(o.resolution),
      offline: true,
      cacheRoot: env.cacheRoot,
      debounceMs: o.debounceMs,
      // the likely-label-error list and the hints are scored only with --noise; without, they would only take
      // CPU from the refits being timed (they do not feed any suggestion list but `review`)
      background: o.noise > 0,
    });
    stopTrainer = r.stop;
    const t = await r.trainer;
    const total = ds.pool.length;
    const ready = await br.waitFor(
      (f) =>
        f.type === 'trainer' &&
        f.status &&
        ['idle', 'ready'].includes(f.status.phase) &&
        f.status.embedded >= total - t.failed.size &&
        f.status.total === total,
      0,
      Math.max(120_000, total * 50),
    );
    if (!ready) throw new Error(`the trainer did not embed the ${total} pool images in time`);
    if (t.failed.size) env.say(`  warning: the trainer could not read ${t.failed.size} images`);
    env.onReady?.(t);

    const rand = rng(o.seed * 1_000_003 + repeat * 7_919 + strategy.length);
    const ask = async () => {
      const s = strategy === 'mix' ? (rand() < o.mixRandom ? 'random' : 'uncertain') : strategy;
      const n = await api<{ id: number | null; reason: string }>(
        srv.url,
        'GET',
        `/api/next?strategy=${s}&annotator=simulator`,
      );
      reasons[n.reason] = (reasons[n.reason] ?? 0) + 1;
      return n.id;
    };
    const reasons: Record<string, number> = {};
    const points: Point[] = [];
    const latencies: number[] = [];
    let windowLat: number[] = [];
    let strokes = 0,
      timeouts = 0,
      liveN = 0,
      liveOk = 0,
      winN = 0,
      winOk = 0,
      given = 0;
    const flipped = new Set<number>();
    let cur = await ask();
    if (cur !== null) br.focus(cur);
    for (let labels = 1; labels <= o.budget && cur !== null; labels++) {
      const truth = env.truthOf.get(cur)!;
      const shown = (await api(srv.url, 'GET', `/api/images/${cur}`)).prediction;
      let body: unknown;
      if (seg) {
        const s = paintScribbles(truth.mask!, truth.width, truth.height, {
          maxStrokes: o.strokes,
          seed: o.seed * 131 + cur * 7 + repeat,
        });
        const ids = Uint8Array.from(s.data, (v) => (v === 255 ? 0 : classId.get(v)!));
        const agree = scribbleAgreement(shown, ids, truth.width, truth.height);
        if (agree) {
          liveN += agree.n;
          liveOk += agree.correct;
          winN += agree.n;
          winOk += agree.correct;
        }
        strokes += s.strokes;
        const png = await sharp(Buffer.from(ids), { raw: { width: truth.width, height: truth.height, channels: 1 } })
          .png()
          .toBuffer();
        body = { kind: 'mask', points: [], mask: png.toString('base64') };
      } else {
        if (shown) {
          const ok = shown.classId === classId.get(truth.label) ? 1 : 0;
          liveN++;
          liveOk += ok;
          winN++;
          winOk += ok;
        }
        strokes++;
        const answer = noisyAnswer(truth.label, ds.classNames.length, o.noise, o.seed, repeat, cur);
        if (answer !== truth.label) flipped.add(cur);
        body = { kind: 'label', classId: classId.get(answer) };
      }
      const v0 = t.version,
        from = br.frames.length,
        t0 = performance.now();
      await api(srv.url, 'PUT', `/api/images/${cur}/annotation`, body);
      given++;
      const next = await ask();
      if (next !== null) br.focus(next);
      // the refit cycle: the trainer says "fitting", then (predictions and suggestions pushed) ready/idle
      const fitting = await br.waitFor((f) => f.type === 'trainer' && f.status?.phase === 'fitting', from, o.timeoutMs);
      const done =
        fitting &&
        (await br.waitFor(
          (f) => f.type === 'trainer' && ['ready', 'idle', 'error'].includes(f.status?.phase),
          fitting.index + 1,
          o.timeoutMs,
        ));
      if (!done) timeouts++;
      if (next !== null && t.version > v0) {
        const p = await br.waitFor(
          (f) => f.type === 'prediction' && f.prediction.imageId === next && f.modelVersion > v0,
          from,
          done ? 2000 : 1,
        );
        if (p) {
          latencies.push(p.frame.at - t0);
          windowLat.push(p.frame.at - t0);
        }
      }
      if (process.env.HILT_SIM_DEBUG)
        env.say(
          `    #${labels} put→fitting ${fitting ? (fitting.frame.at - t0).toFixed(0) : '–'} ms, →done ${done ? (done.frame.at - t0).toFixed(0) : '–'} ms, latency ${latencies.at(-1)?.toFixed(0)}, now ${(performance.now() - t0).toFixed(0)}`,
        );
      cur = next;
      if (labels % o.every === 0 || labels === o.budget || cur === null || (seg && FEW_LABELS.includes(labels))) {
        const stats = await api(srv.url, 'GET', '/api/stats');
        const valSeries: { value: number }[] | undefined = stats.metrics[seg ? 'val_miou' : 'val_accuracy'];
        // classification: the server's own live accuracy; segmentation: agreement on the painted pixels
        const live = seg ? (liveN ? liveOk / liveN : null) : stats.live.n ? stats.live.correct / stats.live.n : null;
        points.push({
          labels,
          strokes,
          metric: await env.test.evaluate(t),
          ...(env.test.ece ? { ece: env.test.ece(t), eceRaw: env.test.eceRaw?.(t) ?? null } : {}),
          metricCold: await env.test.evaluateCold(t),
          live,
          liveWindow: winN ? winOk / winN : null,
          val: valSeries?.length ? valSeries[valSeries.length - 1].value : null,
          latencyP50: quantile(windowLat, 0.5),
          latencyP95: quantile(windowLat, 0.95),
          seconds: (performance.now() - T0) / 1000,
        });
        windowLat = [];
        winN = 0;
        winOk = 0;
        if (!o.quiet) {
          const p = points[points.length - 1],
            f = (x: number | null) => (x === null ? '  –  ' : x.toFixed(3));
          env.say(
            `  ${name.padEnd(14)} ${String(labels).padStart(4)} labels${seg ? ` ${String(strokes).padStart(4)} strokes` : ''}  ${seg ? 'mIoU' : 'acc'} ${f(p.metric)}${p.ece !== undefined ? `  ECE ${f(p.ece)} (raw ${f(p.eceRaw ?? null)})` : ''}  live ${f(p.live)}  latency p50 ${p.latencyP50?.toFixed(0) ?? '–'} ms  (${p.seconds.toFixed(0)} s)`,
          );
        }
      }
    }
    const review = o.noise > 0 ? await scoreReview(srv.url, given, flipped, Math.max(60_000, o.timeoutMs)) : null;
    if (review && !o.quiet)
      env.say(
        `  ${name.padEnd(14)} review: ${review.hits} of the top ${review.k} are flipped labels (precision = recall at k ${review.precisionAtK?.toFixed(2) ?? '–'}); flagged ${review.flagged}, precision ${review.flaggedPrecision?.toFixed(2) ?? '–'}, recall ${review.flaggedRecall?.toFixed(2) ?? '–'}`,
      );
    return {
      review,
      strategy,
      repeat,
      points,
      reasons,
      timeouts,
      modelVersion: t.version,
      seconds: (performance.now() - T0) / 1000,
      ...(seg ? { upsampling: (await env.test.upsampling?.(t)) ?? null } : {}),
      latencyMs: {
        n: latencies.length,
        p50: quantile(latencies, 0.5),
        p95: quantile(latencies, 0.95),
        max: latencies.length ? Math.max(...latencies) : null,
      },
    };
  } finally {
    br?.close();
    await stopTrainer?.();
    await srv.close();
    if (!o.keep) rmSync(join(env.sessionsDir, name), { recursive: true, force: true });
  }
}
