// Label → prediction latency with two active sessions on one server: sessions `a` and `b` (N images each,
// their own trainer child, tiny backbone). First `a` alone is timed (b has no trainer), then both at once,
// each labelling while its browser socket focuses an unlabelled image: p95 of one active vs two active.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeSession, openSession } from '../server/session.ts';
import { importInto } from '../server/import/import.ts';
import { startServer } from '../server/serve.ts';
import { browserPeer, hilt, type BrowserPeer, type Child } from '../tests/helpers/peers.ts';
import { makeImages } from './latency.ts';
import { median, percentile, round, isMain } from './util.ts';

export async function benchLatencySessions(
  o: { images?: number; repeats?: number; quick?: boolean; log?: (s: string) => void } = {},
) {
  const n = o.quick ? 120 : (o.images ?? 2000),
    repeats = o.quick ? 4 : (o.repeats ?? 20);
  const log = o.log ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'hilt-bench-lat2-'));
  const sessionsDir = join(root, 'sessions');
  const labels = await makeImages(join(root, 'images'), n);
  for (const name of ['a', 'b']) {
    const s = openSession(sessionsDir, name, { create: true });
    await importInto(s, join(root, 'images'));
    await closeSession(s);
  }
  const srv = await startServer({ sessionsDir, session: 'a', port: 0, webDir: null, log: () => {} });
  const api = (m: string, p: string, b?: unknown) =>
    fetch(srv.url + p, {
      method: m,
      headers: { 'content-type': 'application/json' },
      body: b === undefined ? undefined : JSON.stringify(b),
    }).then((r) => r.json());
  const trainers: Child[] = [];
  const browsers: BrowserPeer[] = [];
  interface Live {
    name: string;
    br: BrowserPeer;
    cls: number[];
    version: number;
  }
  async function activate(name: string): Promise<Live> {
    const base = `/api/sessions/${name}`;
    await api('PUT', `${base}/session/task`, { task: 'classification' });
    const cls: number[] = [];
    for (let c = 0; c < 4; c++) cls.push((await api('POST', `${base}/classes`, { name: `c${c}` })).class.id);
    const ws = `${srv.url.replace('http', 'ws')}/ws?session=${name}`;
    trainers.push(
      hilt([
        'train',
        '--session',
        name,
        '--sessions-dir',
        sessionsDir,
        '--server',
        ws,
        '--backbone',
        'tiny',
        '--offline',
      ]),
    );
    const br = await browserPeer(srv.url, 'browser', name);
    browsers.push(br);
    const t0 = performance.now();
    await br.waitFor(
      (f) => f.type === 'trainer' && f.status?.embedded === n && ['idle', 'ready'].includes(f.status.phase),
      600_000,
    );
    log(`${name}: embedded ${n} images in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    br.ws.send(JSON.stringify({ type: 'focus', imageId: n }));
    for (let i = 0; i < 40; i++) await label({ name, br, cls, version: 0 }, i);
    const version = (await br.waitFor((f) => f.type === 'prediction', 60_000)).modelVersion;
    return { name, br, cls, version };
  }
  const label = (s: Live, idx: number) =>
    api('PUT', `/api/sessions/${s.name}/images/${idx + 1}/annotation`, {
      kind: 'label',
      classId: s.cls[Number(labels[idx].slice(1))],
    });
  /** `from`: the first label index and the first target offset of this run */
  async function time(s: Live, from: number): Promise<number[]> {
    const times: number[] = [];
    for (let r = from; r < from + repeats; r++) {
      const target = n - 1 - r; // focused, unlabelled
      s.br.ws.send(JSON.stringify({ type: 'focus', imageId: target + 1 }));
      await new Promise((res) => setTimeout(res, 300)); // let the previous refit's re-prediction settle
      for (const f of s.br.frames) if (f.type === 'prediction') s.version = Math.max(s.version, f.modelVersion);
      s.br.frames.length = 0;
      const start = performance.now();
      await label(s, 40 + r);
      const f = await s.br.waitFor(
        (x) => x.type === 'prediction' && x.prediction.imageId === target + 1 && x.modelVersion > s.version,
        30_000,
      );
      times.push(performance.now() - start);
      s.version = f.modelVersion;
    }
    return times;
  }
  try {
    const a = await activate('a');
    const alone = await time(a, 0);
    log(`a alone: p95 ${round(percentile(alone, 95))} ms`);
    const b = await activate('b');
    const [withA, withB] = await Promise.all([time(a, repeats), time(b, 0)]);
    const both = [...withA, ...withB];
    return {
      name: 'latency-sessions',
      images: n,
      repeats,
      oneActive: { p50ms: round(median(alone)), p95ms: round(percentile(alone, 95)) },
      twoActive: {
        p50ms: round(median(both)),
        p95ms: round(percentile(both, 95)),
        a: { p95ms: round(percentile(withA, 95)) },
        b: { p95ms: round(percentile(withB, 95)) },
      },
    };
  } catch (e) {
    throw new Error(
      `${(e as Error).message}; trainer output:\n${trainers.map((t) => t.out().slice(-1500)).join('\n')}`,
    );
  } finally {
    for (const br of browsers) br.close();
    for (const t of trainers) await t.stop();
    await srv.close();
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url))
  console.log(
    JSON.stringify(
      await benchLatencySessions({ quick: process.argv.includes('--quick'), log: console.error }),
      null,
      2,
    ),
  );
