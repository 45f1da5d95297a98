// `hilt bench --scale`, end to end on a generated session (default 100k images): import, embed with the
// tiny backbone, then label at a keyboard pace (one label every 300 ms, the next image focused as it is
// shown) and measure label → viewed-image prediction, /api/health while it all runs, bytes the trainer
// sends per refit, the embedding rate at the start and at the end, and the RSS of server and trainer.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeSession, openSession } from '../server/session.ts';
import { browserPeer, hilt } from '../tests/helpers/peers.ts';
import { classOf, importScaleSession, makeScaleImages } from './scale-images.ts';
import { cpuSeconds, healthProbe, rssSampler } from './scale-probe.ts';
import { benchScript, isMain, percentile, round } from './util.ts';

export interface ScaleLoopOptions {
  images?: number;
  labels?: number;
  paceMs?: number;
  keepDir?: string;
  quick?: boolean;
  log?: (s: string) => void;
}

/** the trainer's latest `[stats]` line (HILT_TRAINER_STATS_MS) */
function stats(out: string): Record<string, number> {
  const all = [...out.matchAll(/\[stats\] (.*)\n/g)]; // complete lines only
  return Object.fromEntries(
    (all.at(-1)?.[1] ?? '')
      .split(' ')
      .map((kv) => kv.split('='))
      .map(([k, v]) => [k, Number(v)]),
  );
}

/** A kept session starts over: no annotations, predictions or model output (its features are kept). */
function clearSession(sessionsDir: string, name: string): void {
  const s = openSession(sessionsDir, name);
  try {
    s.db.$client.exec(
      `delete from annotations; delete from events; delete from predictions; delete from suggestions; delete from metrics; delete from claims; delete from settings where key != 'presets'`,
    );
  } finally {
    closeSession(s);
  }
}

/** `hilt serve` as a child, printing its event-loop figures every second; its whole output kept. */
async function scaleServer(sessionsDir: string, name: string) {
  const c = hilt(['serve', '--session', name, '--sessions-dir', sessionsDir, '--port', '0'], {
    HILT_SERVER_STATS_MS: '1000',
  });
  const url = (await c.waitForLine(/listening on (http:\/\/\S+)/, 120_000))[1];
  return { url, proc: c.proc, out: c.out, stop: () => c.stop() };
}

/** the largest of each server `[stats]` figure in out[from:to] */
function serverMax(out: string): Record<string, number> {
  const m: Record<string, number> = {};
  for (const line of out.matchAll(/\[server\] \[stats\] (.*)/g)) {
    for (const [k, v] of line[1].split(' ').map((kv) => kv.split('=')))
      if (k && Number(v) > (m[k] ?? 0)) m[k] = Number(v);
  }
  return m;
}

/** images/s between the moments `embedded` passed two fractions of n */
/** img/s between the status frames around the `from` and `to` fractions of the pool (status frames are
 *  throttled: in a small session one frame may cover the whole window, so the frames just outside it count) */
function rate(progress: [number, number][], n: number, from: number, to: number): number {
  const a = progress.filter(([, e]) => e <= from * n).at(-1) ?? progress[0];
  const b = progress.find(([, e]) => e >= to * n) ?? progress.at(-1);
  return a && b && b[0] > a[0] && b[1] > a[1] ? round((b[1] - a[1]) / ((b[0] - a[0]) / 1000), 1) : NaN;
}

export async function benchScaleLoop(o: ScaleLoopOptions = {}) {
  const n = o.quick ? 400 : (o.images ?? 100_000),
    labels = o.quick ? 20 : (o.labels ?? 200),
    pace = o.paceMs ?? 300;
  const log = o.log ?? (() => {});
  const root = o.keepDir ?? mkdtempSync(join(tmpdir(), 'hilt-bench-scale-'));
  const imagesDir = join(root, `images-${n}`),
    sessionsDir = join(root, 'sessions'),
    name = `scale${n}`;
  await makeScaleImages(imagesDir, n, log);
  const imported = await importScaleSession(imagesDir, sessionsDir, name, n);
  if (Number.isNaN(imported.seconds)) clearSession(sessionsDir, name);
  else log(`imported ${n} images in ${imported.seconds} s, peak RSS ${imported.peakRssMiB} MiB`);
  const srv = await scaleServer(sessionsDir, name);
  const api = (m: string, p: string, b?: unknown) =>
    fetch(srv.url + p, {
      method: m,
      headers: { 'content-type': 'application/json' },
      body: b === undefined ? undefined : JSON.stringify(b),
    }).then((r) => r.json());
  const trainer = hilt(
    [
      'train',
      '--session',
      name,
      '--sessions-dir',
      sessionsDir,
      '--server',
      srv.url.replace('http', 'ws') + '/ws',
      '--backbone',
      'tiny',
      '--offline',
    ],
    { HILT_TRAINER_STATS_MS: '500' },
  );
  const health = healthProbe(srv.url);
  const rss = rssSampler(() => ({ server: srv.proc.pid, trainer: trainer.proc.pid }));
  const br = await browserPeer(srv.url);
  try {
    await api('PUT', '/api/session/task', { task: 'classification' });
    const have = (await api('GET', '/api/classes')).classes as { id: number; name: string }[];
    const cls: number[] = [];
    for (let c = 0; c < 4; c++)
      cls.push(
        have.find((k) => k.name === `c${c}`)?.id ?? (await api('POST', '/api/classes', { name: `c${c}` })).class.id,
      );
    const progress: [number, number][] = [];
    let version = 0;
    br.ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString());
      if (f.type === 'trainer' && f.status) {
        progress.push([performance.now(), f.status.embedded]);
        version = Math.max(version, f.status.modelVersion);
      }
      if (f.type === 'prediction') version = Math.max(version, f.modelVersion);
    });
    health.phase = 'embedding';
    const mark: Record<string, number> = { embedding: srv.out().length };
    const t0 = performance.now();
    await br.waitFor(
      (f) => f.type === 'trainer' && f.status?.embedded === n && ['idle', 'ready'].includes(f.status.phase),
      Math.max(600_000, n * 40),
    );
    const embedSeconds = (performance.now() - t0) / 1000;
    const embedded0 = progress[0]?.[1] ?? 0;
    log(`embedded ${n} images in ${embedSeconds.toFixed(1)} s (${embedded0} were cached)`);

    // keyboard pace: the annotator labels the image in view every `pace` ms and the next one is shown
    health.phase = 'labelling';
    mark.labelling = srv.out().length;
    const before = stats(trainer.out());
    const cpu0 = { server: cpuSeconds(srv.proc.pid!), trainer: cpuSeconds(trainer.proc.pid!) };
    const pending = new Map<number, { t0: number; v: number }>();
    const lat: number[] = [];
    br.ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString());
      const p = f.type === 'prediction' && pending.get(f.prediction.imageId);
      if (p && f.modelVersion > p.v) {
        lat.push(performance.now() - p.t0);
        pending.delete(f.prediction.imageId);
      }
    });
    const idOf = (k: number) => 1 + ((k * 7919) % n); // spread over the pool; ids follow file order
    br.ws.send(JSON.stringify({ type: 'focus', imageId: idOf(0) }));
    const start = performance.now();
    let firstModel = -1;
    for (let k = 0; k < labels; k++) {
      await new Promise((r) => setTimeout(r, Math.max(0, start + k * pace - performance.now())));
      const cur = idOf(k),
        next = idOf(k + 1);
      br.ws.send(JSON.stringify({ type: 'focus', imageId: next }));
      if (version > 0 && firstModel < 0) firstModel = k;
      const v = version,
        s = performance.now();
      await api('PUT', `/api/images/${cur}/annotation`, { kind: 'label', classId: cls[classOf(cur - 1)] });
      if (version > 0) pending.set(next, { t0: s, v });
    }
    await new Promise((r) => setTimeout(r, 3000)); // the last refits, their sweeps and suggestions
    const after = stats(trainer.out());
    const cpu = {
      server: cpuSeconds(srv.proc.pid!) - cpu0.server,
      trainer: cpuSeconds(trainer.proc.pid!) - cpu0.trainer,
    };
    mark.settle = srv.out().length;
    const refits = after.version - before.version;
    return {
      name: 'scale-loop',
      images: n,
      labels,
      paceMs: pace,
      import: imported,
      embed: {
        seconds: round(embedSeconds, 1),
        cachedAtStart: embedded0,
        startImgPerSec: rate(progress, n, 0.02, 0.12),
        endImgPerSec: rate(progress, n, 0.88, 0.98),
      },
      labelToViewed: {
        n: lat.length,
        missing: pending.size,
        p50ms: round(percentile(lat, 50)),
        p95ms: round(percentile(lat, 95)),
        maxMs: round(Math.max(...lat)),
      },
      health: { embedding: health.summary('embedding'), labelling: health.summary('labelling') },
      // the server's own view: loop delay (includes waiting for a CPU) and its longest pieces of trainer work
      serverLoop: {
        embedding: serverMax(srv.out().slice(mark.embedding, mark.labelling)),
        labelling: serverMax(srv.out().slice(mark.labelling, mark.settle)),
      },
      // CPU the labelling cost each process (all threads), per label: what a loaded machine cannot hide
      cpuMsPerLabel: {
        server: round((cpu.server * 1000) / labels, 1),
        trainer: round((cpu.trainer * 1000) / labels, 1),
      },
      refits,
      bytesPerRefit: refits > 0 ? Math.round((after.bytes - before.bytes) / refits) : NaN,
      deltaBytesPerRefit: refits > 0 ? Math.round((after.deltaBytes - before.deltaBytes) / refits) : NaN,
      rssMiB: { server: rss.peak.server, trainer: rss.peak.trainer, trainerAtEnd: after.rssMiB },
    };
  } finally {
    health.stop();
    rss.stop();
    br.close();
    await trainer.stop();
    await srv.stop();
    if (o.keepDir) {
      writeFileSync(join(root, 'trainer.log'), trainer.out());
      writeFileSync(join(root, 'server.log'), srv.out());
    }
    if (!o.keepDir) rmSync(root, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const o = benchScript('bench/scale-loop.ts', 'a large session end to end (JSON on stdout)')
    .option('--images <n>', 'images in the session', Number)
    .option('--labels <n>', 'labels given', Number)
    .option('--keep <dir>', 'keep the session in this folder')
    .option('--quick', 'smoke sizes')
    .parse()
    .opts<{ images?: number; labels?: number; keep?: string; quick?: boolean }>();
  console.log(
    JSON.stringify(
      await benchScaleLoop({
        images: o.images || undefined,
        labels: o.labels || undefined,
        keepDir: o.keep,
        quick: !!o.quick,
        log: console.error,
      }),
      null,
      2,
    ),
  );
}
