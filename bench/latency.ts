// Label → prediction latency: on an N-image session (default 10k) fully embedded by the real trainer
// (tiny backbone, child process), label an image while a browser socket focuses the next one, and time
// the PUT until that image's prediction from the new model arrives. p50/p95 over the repeats.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { closeSession, openSession } from '../server/session.ts';
import { importInto } from '../server/import/import.ts';
import { startServer } from '../server/serve.ts';
import { browserPeer, trainerFor } from '../tests/helpers/peers.ts';
import { benchScript, isMain, median, percentile, round, withLiveTrainer } from './util.ts';

const HUES = [
  [220, 40, 40],
  [40, 200, 60],
  [50, 70, 220],
  [230, 200, 40],
];

export async function makeImages(dir: string, n: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const labels: string[] = [];
  for (let i = 0; i < n; i += 64) {
    await Promise.all(
      Array.from({ length: Math.min(64, n - i) }, async (_, k) => {
        const idx = i + k,
          c = idx % 4,
          [r, g, b] = HUES[c];
        const j = (v: number) => Math.max(0, Math.min(255, v + ((idx * 7919) % 61) - 30));
        labels[idx] = `c${c}`;
        await sharp({
          create: {
            width: 64,
            height: 64,
            channels: 3,
            background: { r: j(r), g: j(g), b: j(b) },
            noise: { type: 'gaussian', mean: 0, sigma: 20 },
          },
        })
          .png()
          .toFile(join(dir, `img-${String(idx).padStart(6, '0')}.png`));
      }),
    );
  }
  return labels;
}

export async function benchLatency(
  o: { images?: number; repeats?: number; quick?: boolean; log?: (s: string) => void } = {},
) {
  const n = o.quick ? 200 : (o.images ?? 10_000),
    repeats = o.quick ? 5 : (o.repeats ?? 30);
  const log = o.log ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'hilt-bench-lat-'));
  const sessionsDir = join(root, 'sessions');
  const labels = await makeImages(join(root, 'images'), n);
  const s = openSession(sessionsDir, 'lat', { create: true });
  await importInto(s, join(root, 'images'));
  closeSession(s);
  const srv = await startServer({ sessionsDir, session: 'lat', port: 0, webDir: null, log: () => {} });
  const api = (m: string, p: string, b?: unknown) =>
    fetch(srv.url + p, {
      method: m,
      headers: { 'content-type': 'application/json' },
      body: b === undefined ? undefined : JSON.stringify(b),
    }).then((r) => r.json());
  await api('PUT', '/api/session/task', { task: 'classification' });
  const cls: number[] = [];
  for (let c = 0; c < 4; c++) cls.push((await api('POST', '/api/classes', { name: `c${c}` })).class.id);
  const trainer = trainerFor(sessionsDir, 'lat', srv.url);
  const br = await browserPeer(srv.url);
  return withLiveTrainer({ root, srv, trainer, br }, async () => {
    const t0 = performance.now();
    await br.waitFor(
      (f) => f.type === 'trainer' && f.status?.embedded === n && ['idle', 'ready'].includes(f.status.phase),
      600_000,
    );
    const embedSeconds = (performance.now() - t0) / 1000;
    log(`embedded ${n} images in ${embedSeconds.toFixed(1)} s`);
    // image ids follow file order: id = index + 1
    const label = (idx: number) =>
      api('PUT', `/api/images/${idx + 1}/annotation`, { kind: 'label', classId: cls[Number(labels[idx].slice(1))] });
    br.ws.send(JSON.stringify({ type: 'focus', imageId: n }));
    for (let i = 0; i < 40; i++) await label(i);
    let version = (await br.waitFor((f) => f.type === 'prediction', 60_000)).modelVersion;
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const target = n - 1 - r; // focused, unlabelled
      br.ws.send(JSON.stringify({ type: 'focus', imageId: target + 1 }));
      await new Promise((res) => setTimeout(res, 300)); // let the previous refit's re-prediction settle
      for (const f of br.frames) if (f.type === 'prediction') version = Math.max(version, f.modelVersion);
      br.frames.length = 0; // only frames that arrive after the label count
      const start = performance.now();
      await label(40 + r);
      const f = await br.waitFor(
        (x) => x.type === 'prediction' && x.prediction.imageId === target + 1 && x.modelVersion > version,
        30_000,
      );
      times.push(performance.now() - start);
      version = f.modelVersion;
    }
    return {
      name: 'latency',
      images: n,
      labels: 40 + repeats,
      repeats,
      embedSeconds: round(embedSeconds, 1),
      embedImgPerSec: round(n / embedSeconds, 1),
      p50ms: round(median(times)),
      p95ms: round(percentile(times, 95)),
      maxMs: round(Math.max(...times)),
    };
  });
}

if (isMain(import.meta.url)) {
  const o = benchScript('bench/latency.ts', 'label → prediction latency (JSON on stdout)')
    .option('--quick', 'tiny sizes')
    .parse()
    .opts<{ quick?: boolean }>();
  console.log(JSON.stringify(await benchLatency({ quick: !!o.quick, log: console.error }), null, 2));
}
