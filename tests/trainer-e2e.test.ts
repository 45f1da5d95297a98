// The real server + the real trainer (child process, tiny backbone) on generated demo images.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoSession } from '../scripts/make-demo.ts';
import { POOLED_DTYPE } from '../trainer/features.ts';
import { serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer, hilt, type Child } from './helpers/peers.ts';

let dir: string;
let dataDir: string;
let srv: TestServer;
let trainer: Child;
const truth = new Map<string, string>(); // file name → class name

const startTrainer = () =>
  hilt([
    'train',
    '--session',
    'demo',
    '--sessions-dir',
    dir,
    '--server',
    srv.url.replace('http', 'ws') + '/ws',
    '--backbone',
    'tiny',
    '--offline',
  ]);

beforeAll(async () => {
  dir = tempDir();
  const demo = await createDemoSession(dir, 'demo', { count: 160, dataDir: join(dir, 'data'), cue: 'colour' });
  dataDir = demo.dataDir;
  for (const line of readFileSync(join(dataDir, 'labels.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [p, label] = line.split(',');
    truth.set(p.split('/').pop()!, label);
  }
  srv = await serveSession(dir, 'demo');
  trainer = startTrainer();
  await trainer.waitForLine(/connected to/);
});
afterAll(async () => {
  await trainer?.stop();
  await srv?.close();
});

async function imagesByName(): Promise<{ id: number; name: string }[]> {
  return (await srv.api('GET', '/api/images?limit=500')).body.items;
}

describe('classification loop', () => {
  it('labels through the API → a prediction for the focused image arrives, and accuracy beats chance clearly', async () => {
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    // the terminal says how embedding goes and when it is done
    await trainer.waitForLine(/embedded 160 images in [\d.]+ s/, 60_000);
    expect(trainer.out()).toMatch(/embedding: \d+ of 160 images \(\d+ %\)/);
    expect(trainer.out()).toMatch(/task chosen: classification: reloading the session/);
    const classes: { id: number; name: string }[] = (await srv.api('GET', '/api/classes')).body.classes;
    const byName = new Map(classes.map((c) => [c.name, c.id]));
    const images = await imagesByName();
    const per = new Map<string, number>();
    const labelled = new Set<number>();
    for (const img of images) {
      const cls = truth.get(img.name)!;
      if ((per.get(cls) ?? 0) >= 12) continue;
      per.set(cls, (per.get(cls) ?? 0) + 1);
      await srv.api('PUT', `/api/images/${img.id}/annotation`, { kind: 'label', classId: byName.get(cls) });
      labelled.add(img.id);
    }
    const focus = images.find((i) => !labelled.has(i.id))!;
    const br = await browserPeer(srv.url);
    br.ws.send(JSON.stringify({ type: 'focus', imageId: focus.id }));
    const f = await br.waitFor((x) => x.type === 'prediction' && x.prediction.imageId === focus.id, 60_000);
    expect(Object.keys(f.prediction.probs)).toHaveLength(4);
    // wait for the trainer to embed and predict everything (suggestions come last)
    await br.waitFor((x) => x.type === 'trainer' && x.status?.phase === 'ready' && x.status.embedded === 160, 90_000);
    await br.waitFor((x) => x.type === 'suggestions' && x.strategies.includes('uncertain'), 60_000);
    const list = (await srv.api('GET', '/api/images?limit=500&unlabelled=1')).body.items as {
      name: string;
      prediction: { classId: number } | null;
    }[];
    const scored = list.filter((i) => i.prediction);
    expect(scored.length).toBeGreaterThan(list.length * 0.9);
    const acc = scored.filter((i) => i.prediction!.classId === byName.get(truth.get(i.name)!)).length / scored.length;
    console.log(`classification: ${labelled.size} labels, held-out accuracy ${(acc * 100).toFixed(1)} % (chance 25 %)`);
    expect(acc).toBeGreaterThan(0.8);
    const stats = (await srv.api('GET', '/api/stats')).body;
    expect(stats.metrics.val_accuracy?.length).toBeGreaterThan(0);
    expect((await srv.api('GET', '/api/next?strategy=uncertain&annotator=t')).body.reason).toBe('uncertain');
    // POST /api/predict: the same picture uploaded gets the same answer as the stored prediction
    const stored = (await srv.api('GET', `/api/images/${focus.id}`)).body.prediction;
    const bytes = readFileSync(join(dataDir, 'images', focus.name));
    const up = await fetch(`${srv.url}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });
    expect(up.status).toBe(200);
    const pred = (await up.json()).prediction;
    expect(pred.classId).toBe(stored.classId);
    expect(pred.probs[String(stored.classId)]).toBeCloseTo(stored.probs[String(stored.classId)], 2);
    br.close();
  });

  it('removing a class resets the head: new predictions no longer mention it', async () => {
    const classes: { id: number; name: string }[] = (await srv.api('GET', '/api/classes')).body.classes;
    const star = classes.find((c) => c.name === 'star')!;
    const br = await browserPeer(srv.url);
    await srv.api('DELETE', `/api/classes/${star.id}`);
    const img = (await imagesByName()).at(-1)!;
    br.ws.send(JSON.stringify({ type: 'focus', imageId: img.id }));
    const f = await br.waitFor(
      (x) => x.type === 'prediction' && x.prediction.imageId === img.id && !(String(star.id) in x.prediction.probs),
      60_000,
    );
    expect(Object.keys(f.prediction.probs)).toHaveLength(3);
    expect(trainer.out()).toMatch(/head reset/);
    br.close();
  });

  it('a killed trainer restarts from its feature cache (no re-embedding)', async () => {
    // one feature store per backbone and mode: its index holds a 64-byte record per embedded image
    const featDirs = readdirSync(join(dir, 'demo', 'features'));
    const files = () =>
      featDirs
        .map((d) => statSync(join(dir, 'demo', 'features', d, `pooled-${POOLED_DTYPE}`, 'rows.idx')).size / 64)
        .reduce((a, b) => a + b, 0);
    const before = files();
    expect(before).toBeGreaterThanOrEqual(160);
    await trainer.stop('SIGKILL');
    const br = await browserPeer(srv.url);
    trainer = startTrainer();
    const st = await br.waitFor((x) => x.type === 'trainer' && x.online && x.status?.phase === 'ready', 60_000);
    expect(st.status.embedded).toBe(160);
    expect(files()).toBe(before);
    expect(trainer.out()).not.toMatch(/skipped/);
    br.close();
  });

  it('said how the first embedding went in the terminal; a reset leaves no model version behind', async () => {
    // the first trainer's terminal (killed above) is gone; this one embedded nothing new: a reset embeds again
    const br = await browserPeer(srv.url);
    const ready = await br.waitFor((x) => x.type === 'trainer' && x.online && x.status?.phase === 'ready', 60_000);
    expect(ready.status.modelVersion).toBeGreaterThan(0);
    const old = ready.status.modelVersion;
    const mark = br.frames.length;
    const since = (pred: (f: any) => boolean) => (f: any) => br.frames.indexOf(f) >= mark && pred(f);
    await srv.api('POST', '/api/session/reset', { confirm: 'demo' });
    await trainer.waitForLine(/session reset: reloading the session/);
    // once it has the new (task-less) session, the trainer names no model
    await br.waitFor(
      since(
        (x) =>
          x.type === 'trainer' &&
          x.online &&
          x.status?.phase === 'idle' &&
          x.status.total === 160 &&
          x.status.modelVersion === 0,
      ),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    const last = br.frames.filter((x) => x.type === 'trainer' && x.status).at(-1);
    expect(last.status.modelVersion).toBe(0);
    expect(old).toBeGreaterThan(0);
    // choosing the task is said as such, not as a reset
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    await trainer.waitForLine(/task chosen: classification: reloading the session/);
    expect(trainer.out()).not.toMatch(/server reset/);
    br.close();
  });
});
