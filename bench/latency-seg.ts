// Segmentation label → prediction latency: on a session of demo scenes (shapes in random colours, 320×240) fully
// embedded by the real trainer (ImageNet MobileNetV2, child process), save an image's dense mask while a browser
// socket focuses an unlabelled one, and time the PUT until that image's map from the new model arrives (the patch
// head's map), and until its second frame (each shape region named by the crop head) arrives. p50/p95 over the
// repeats; a repeat whose map has no shape region to name has no second frame and is counted apart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoSession, demoMaskPng } from '../scripts/make-demo.ts';
import { startServer } from '../server/serve.ts';
import { browserPeer, trainerFor } from '../tests/helpers/peers.ts';
import { benchScript, isMain, median, percentile, round, withLiveTrainer } from './util.ts';

export async function benchLatencySeg(
  o: {
    images?: number;
    repeats?: number;
    quick?: boolean;
    backbone?: string;
    /** hand the trainer's output to `log` at the end */
    trainerLog?: boolean;
    log?: (s: string) => void;
  } = {},
) {
  const n = o.quick ? 40 : (o.images ?? 300),
    repeats = o.quick ? 3 : (o.repeats ?? 12),
    first = 5,
    backbone = o.backbone ?? (o.quick ? 'tiny' : 'mobilenetv2-imagenet');
  const log = o.log ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'hilt-bench-seglat-'));
  const sessionsDir = join(root, 'sessions');
  const demo = await createDemoSession(sessionsDir, 'seg', { count: n, dataDir: join(root, 'data'), cue: 'shape' });
  const srv = await startServer({ sessionsDir, session: 'seg', port: 0, webDir: null, log: () => {} });
  const api = (m: string, p: string, b?: unknown) =>
    fetch(srv.url + p, {
      method: m,
      headers: { 'content-type': 'application/json' },
      body: b === undefined ? undefined : JSON.stringify(b),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
  await api('PUT', '/api/session/task', { task: 'segmentation' });
  const ids: number[] = (await api('GET', '/api/classes')).body.classes.map((c: { id: number }) => c.id);
  const images: { id: number; name: string; width: number; height: number }[] = (
    await api('GET', `/api/images?limit=${n}`)
  ).body.items;
  /** the image's true mask (demo class index per pixel) as the class-id PNG a painted annotation is */
  const label = async (img: (typeof images)[number]) => {
    const png = await demoMaskPng(demo.dataDir, img, ids);
    const r = await api('PUT', `/api/images/${img.id}/annotation`, {
      kind: 'mask',
      points: [],
      mask: png.toString('base64'),
    });
    if (r.status !== 200) throw new Error(`labelling image ${img.id}: ${JSON.stringify(r.body)}`);
  };
  const trainer = trainerFor(sessionsDir, 'seg', srv.url, backbone);
  const br = await browserPeer(srv.url);
  return withLiveTrainer({ root, srv, trainer, br }, async () => {
    const t0 = performance.now();
    await br.waitFor(
      (f) => f.type === 'trainer' && f.status?.embedded === n && ['idle', 'ready'].includes(f.status.phase),
      900_000,
    );
    const embedSeconds = (performance.now() - t0) / 1000;
    log(`embedded ${n} scenes with ${backbone} in ${embedSeconds.toFixed(1)} s`);
    const target = (r: number) => images[n - 1 - r];
    br.ws.send(JSON.stringify({ type: 'focus', imageId: target(0).id }));
    for (let i = 0; i < first; i++) await label(images[i]);
    let version = (await br.waitFor((f) => f.type === 'prediction' && f.prediction.map, 120_000)).modelVersion;
    const mapMs: number[] = [],
      namedMs: number[] = [];
    let unnamed = 0;
    for (let r = 0; r < repeats; r++) {
      const t = target(r);
      br.ws.send(JSON.stringify({ type: 'focus', imageId: t.id }));
      // the previous label's fit has converged and its predictions are out: the trainer says ready
      await new Promise((res) => setTimeout(res, 500));
      const status = () => [...br.frames].reverse().find((x) => x.type === 'trainer')?.status;
      if (status()?.phase !== 'ready') {
        const from = br.frames.length;
        await br.waitFor(
          (x) => x.type === 'trainer' && x.status?.phase === 'ready' && br.frames.indexOf(x) >= from,
          120_000,
        );
      }
      for (const f of br.frames) if (f.type === 'prediction') version = Math.max(version, f.modelVersion);
      br.frames.length = 0; // only frames that arrive after the label count
      const start = performance.now();
      await label(images[first + r]);
      const ofT = (x: any) =>
        x.type === 'prediction' && x.prediction.imageId === t.id && x.prediction.map && x.modelVersion > version;
      const f = await br.waitFor(ofT, 60_000);
      mapMs.push(performance.now() - start);
      // a version's second map of the image is the one with its regions named (any version from f's on)
      const seen = (v: number) => br.frames.filter((x) => ofT(x) && x.modelVersion === v).length;
      const named = await br.waitFor((x) => ofT(x) && seen(x.modelVersion) >= 2, 15_000).catch(() => null);
      if (named) namedMs.push(performance.now() - start);
      else unnamed++;
      version = f.modelVersion;
    }
    if (o.trainerLog) log(trainer.out());
    return {
      name: 'latency-seg' as const,
      backbone,
      images: n,
      labels: first + repeats,
      repeats,
      embedSeconds: round(embedSeconds, 1),
      mapP50ms: round(median(mapMs)),
      mapP95ms: round(percentile(mapMs, 95)),
      namedP50ms: namedMs.length ? round(median(namedMs)) : null,
      namedP95ms: namedMs.length ? round(percentile(namedMs, 95)) : null,
      /** repeats whose map had no shape region to name (no second frame) */
      unnamed,
    };
  });
}

if (isMain(import.meta.url)) {
  const o = benchScript('bench/latency-seg.ts', 'segmentation label → prediction latency (JSON on stdout)')
    .option('--quick', 'tiny backbone, 40 scenes')
    .option('--images <n>', 'scenes in the session (default 300)')
    .option('--repeats <n>', 'labels timed (default 12)')
    .option('--trainer-log', "print the trainer's output (each fit's summary) at the end")
    .parse()
    .opts<{ quick?: boolean; images?: string; repeats?: string; trainerLog?: boolean }>();
  const r = await benchLatencySeg({
    quick: !!o.quick,
    images: o.images ? Number(o.images) : undefined,
    repeats: o.repeats ? Number(o.repeats) : undefined,
    trainerLog: !!o.trainerLog,
    log: console.error,
  });
  console.log(JSON.stringify(r, null, 2));
}
