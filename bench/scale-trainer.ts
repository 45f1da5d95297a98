// The trainer on a 1M-image session (`hilt bench --scale`): rows written straight into SQLite and a
// feature store written straight to disk (384-d fp16 rows whose values carry each image's class), since
// a million images cannot be embedded here. The real server and the real trainer then run: the snapshot
// streams, the trainer fits, sweeps the pool and publishes suggestions, and a few labels are given at a
// keyboard pace. Reports the time to connect, /api/health, the longest server work, RSS of both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureCache } from '../trainer/features.ts';
import { configHash } from '../trainer/backbones/folder.ts';
import { fetchModel } from '../trainer/backbones/registry.ts';
import { browserPeer, hilt } from '../tests/helpers/peers.ts';
import { rnd, rowSha, truthIndex, writeRows } from './scale-rows.ts';
import { healthProbe, rssSampler } from './scale-probe.ts';
import { benchScript, isMain, percentile, round } from './util.ts';

/** the tiny backbone's feature cache key at the default resolution (trainer/embedder.ts): its folder's config hash */
async function tinyKey(): Promise<string> {
  const { dir } = await fetchModel('tiny');
  return `tiny-${configHash(dir)}-r224-s448-pooled`;
}

function writeFeatures(sessionsDir: string, name: string, key: string, n: number, d: number, classes: number): void {
  const cache = new FeatureCache(join(sessionsDir, name, 'features'), key);
  const v = new Float32Array(d);
  for (let i = 0; i < n; i++) {
    const c = truthIndex(i, classes);
    for (let k = 0; k < d; k++) v[k] = (k % classes === c ? 1.5 : 0) + 2 * (rnd(i * d + k, 9) - 0.5);
    cache.putPooled({ id: i + 1, sha256: rowSha(name, i) }, v);
  }
  cache.close();
}

export async function benchScaleTrainer(
  o: { images?: number; labels?: number; d?: number; quick?: boolean; log?: (s: string) => void } = {},
) {
  const n = o.quick ? 3000 : (o.images ?? 1_000_000),
    d = o.d ?? 384,
    labels = o.quick ? 5 : (o.labels ?? 30),
    classes = 10;
  const log = o.log ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'hilt-bench-1m-')),
    sessionsDir = join(root, 'sessions'),
    name = 'million';
  try {
    let t = performance.now();
    const { classIds } = writeRows(sessionsDir, name, { images: n, labelled: 2000 / n, classes, predictions: false });
    writeFeatures(sessionsDir, name, await tinyKey(), n, d, classes);
    log(`wrote ${n} rows and ${n} × ${d} features in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    const srvProc = hilt(['serve', '--session', name, '--sessions-dir', sessionsDir, '--port', '0'], {
      HILT_SERVER_STATS_MS: '1000',
    });
    const url = (await srvProc.waitForLine(/listening on (http:\/\/\S+)/, 300_000))[1];
    const health = healthProbe(url);
    const br = await browserPeer(url);
    const trainer = hilt(
      [
        'train',
        '--session',
        name,
        '--sessions-dir',
        sessionsDir,
        '--server',
        url.replace('http', 'ws') + '/ws',
        '--backbone',
        'tiny',
        '--offline',
      ],
      { HILT_TRAINER_STATS_MS: '1000' },
    );
    const rss = rssSampler(() => ({ server: srvProc.proc.pid, trainer: trainer.proc.pid }));
    try {
      health.phase = 'connect';
      t = performance.now();
      const ready = await br.waitFor(
        (f) => f.type === 'trainer' && f.status?.total === n && f.status.phase !== 'loading',
        900_000,
      );
      const connectSeconds = (performance.now() - t) / 1000;
      log(
        `trainer has the snapshot of ${n} images after ${connectSeconds.toFixed(1)} s (${ready.status.embedded} embedded)`,
      );
      health.phase = 'first lap';
      await br.waitFor((f) => f.type === 'suggestions', 1_800_000);
      const lapSeconds = (performance.now() - t) / 1000 - connectSeconds;
      log(`first model, full lap and suggestions after ${lapSeconds.toFixed(1)} s more`);
      // a few labels at a keyboard pace, the next image in view
      health.phase = 'labelling';
      let version = 0;
      const lat: number[] = [],
        pending = new Map<number, { t0: number; v: number }>();
      br.ws.on('message', (raw) => {
        const f = JSON.parse(raw.toString());
        if (f.type === 'prediction') {
          const p = pending.get(f.prediction.imageId);
          if (p && f.modelVersion > p.v) {
            lat.push(performance.now() - p.t0);
            pending.delete(f.prediction.imageId);
          }
          version = Math.max(version, f.modelVersion);
        }
        if (f.type === 'trainer' && f.status) version = Math.max(version, f.status.modelVersion);
      });
      const idOf = (k: number) => 1 + ((k * 104_729 + 17) % n);
      const start = performance.now();
      for (let k = 0; k < labels; k++) {
        await new Promise((r) => setTimeout(r, Math.max(0, start + k * 300 - performance.now())));
        br.ws.send(JSON.stringify({ type: 'focus', imageId: idOf(k + 1) }));
        const v = version,
          s = performance.now();
        await fetch(`${url}/api/images/${idOf(k)}/annotation`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'label', classId: classIds[truthIndex(idOf(k) - 1, classes)] }),
        });
        pending.set(idOf(k + 1), { t0: s, v });
      }
      await new Promise((r) => setTimeout(r, 3000));
      return {
        name: 'scale-trainer',
        images: n,
        d,
        labels,
        connectSeconds: round(connectSeconds, 1),
        firstLapSeconds: round(lapSeconds, 1),
        labelToViewed: { n: lat.length, p50ms: round(percentile(lat, 50)), p95ms: round(percentile(lat, 95)) },
        health: {
          connect: health.summary('connect'),
          firstLap: health.summary('first lap'),
          labelling: health.summary('labelling'),
        },
        rssMiB: rss.peak,
      };
    } finally {
      health.stop();
      rss.stop();
      br.close();
      await trainer.stop();
      await srvProc.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const o = benchScript('bench/scale-trainer.ts', 'the trainer on a large session (JSON on stdout)')
    .option('--images <n>', 'images', Number)
    .option('--quick', 'smoke sizes')
    .parse()
    .opts<{ images?: number; quick?: boolean }>();
  console.log(
    JSON.stringify(await benchScaleTrainer({ images: o.images, quick: !!o.quick, log: console.error }), null, 2),
  );
}
