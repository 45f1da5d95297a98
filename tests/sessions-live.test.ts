// Two sessions labelled at once on one server, one classification and one segmentation, each with its own
// real trainer (tiny backbone) started by hilt start's supervisor when its browser joined: each gets live
// predictions of its own task from its own trainer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoSession, demoMaskPng } from '../scripts/make-demo.ts';
import { serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer, hilt, type Child } from './helpers/peers.ts';
import { superviseTrainers } from '../server/trainers.ts';

const N = 40;
let dir: string;
let srv: TestServer;
let sup: ReturnType<typeof superviseTrainers>;
const data: Record<string, string> = {};
const children = new Map<string, Child>();
const outputs = () => [...children].map(([n, c]) => `--- trainer ${n}:\n${c.out().slice(-2000)}`).join('\n');

beforeAll(async () => {
  dir = tempDir();
  for (const name of ['shapes', 'scenes'])
    data[name] = (
      await createDemoSession(dir, name, { count: N, dataDir: join(dir, `data-${name}`), cue: 'colour' })
    ).dataDir;
  srv = await serveSession(dir, 'shapes');
  sup = superviseTrainers({
    registry: srv.registry,
    cap: 2,
    idleMs: 60_000,
    launch: (name) => {
      const c = hilt([
        'train',
        '--session',
        name,
        '--sessions-dir',
        dir,
        '--server',
        `${srv.url.replace('http', 'ws')}/ws?session=${name}`,
        '--backbone',
        'tiny',
        '--device',
        'cpu',
        '--offline',
      ]);
      children.set(name, c);
      return c.proc;
    },
  });
});
afterAll(async () => {
  await sup?.close();
  await srv?.close();
});

const api = (session: string, method: string, path: string, body?: unknown) =>
  srv.api(method, `/api/sessions/${session}${path}`, body);

async function labelShapes(): Promise<number[]> {
  await api('shapes', 'PUT', '/session/task', { task: 'classification' });
  const truth = new Map<string, string>();
  for (const line of readFileSync(join(data.shapes, 'labels.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [p, label] = line.split(',');
    truth.set(p.split('/').pop()!, label);
  }
  const byName = new Map<string, number>(
    (await api('shapes', 'GET', '/classes')).body.classes.map((c: any) => [c.name, c.id]),
  );
  const images: { id: number; name: string }[] = (await api('shapes', 'GET', `/images?limit=${N}`)).body.items;
  const done: number[] = [];
  const per = new Map<string, number>();
  for (const img of images) {
    const cls = truth.get(img.name)!;
    if ((per.get(cls) ?? 0) >= 4) continue;
    per.set(cls, (per.get(cls) ?? 0) + 1);
    expect(
      (await api('shapes', 'PUT', `/images/${img.id}/annotation`, { kind: 'label', classId: byName.get(cls) })).status,
    ).toBe(200);
    done.push(img.id);
  }
  return done;
}

async function paintScenes(): Promise<{ labelled: number[]; classIds: number[] }> {
  await api('scenes', 'PUT', '/session/task', { task: 'segmentation' });
  const classIds: number[] = (await api('scenes', 'GET', '/classes')).body.classes.map((c: any) => c.id);
  const images: { id: number; name: string; width: number; height: number }[] = (
    await api('scenes', 'GET', `/images?limit=${N}`)
  ).body.items;
  const labelled: number[] = [];
  for (const img of images.slice(0, 8)) {
    const png = await demoMaskPng(data.scenes, img, classIds);
    const r = await api('scenes', 'PUT', `/images/${img.id}/annotation`, {
      kind: 'mask',
      points: [],
      mask: png.toString('base64'),
    });
    expect(r.status).toBe(200);
    labelled.push(img.id);
  }
  return { labelled, classIds };
}

describe('two sessions, two tasks, two trainers', () => {
  it('each session gets live predictions of its own task', async () => {
    const shapes = await browserPeer(srv.url, 'browser', 'shapes');
    const scenes = await browserPeer(srv.url, 'browser', 'scenes');
    // both trainers were started by the browsers joining
    await shapes.waitFor((f) => f.type === 'trainer' && f.online, 60_000);
    await scenes.waitFor((f) => f.type === 'trainer' && f.online, 60_000);
    expect(sup.running().sort()).toEqual(['scenes', 'shapes']);
    const [labelled, painted] = await Promise.all([labelShapes(), paintScenes()]);
    const focusShapes = [...Array(N).keys()].map((i) => i + 1).find((id) => !labelled.includes(id))!;
    const focusScenes = [...Array(N).keys()].map((i) => i + 1).find((id) => !painted.labelled.includes(id))!;
    shapes.ws.send(JSON.stringify({ type: 'focus', imageId: focusShapes }));
    scenes.ws.send(JSON.stringify({ type: 'focus', imageId: focusScenes }));
    const [p1, p2] = await Promise.all([
      shapes.waitFor((f) => f.type === 'prediction' && f.prediction.imageId === focusShapes, 120_000),
      scenes.waitFor((f) => f.type === 'prediction' && f.prediction.imageId === focusScenes, 120_000),
    ]).catch((e) => {
      throw new Error(`${(e as Error).message}\n${outputs()}`);
    });
    // classification: class probabilities; segmentation: a map over the session's own classes
    expect(Object.keys(p1.prediction.probs).length).toBeGreaterThan(1);
    expect(p1.prediction.classIds).toBeUndefined();
    expect(p2.prediction.classIds).toEqual(painted.classIds);
    expect(p2.prediction.width).toBeGreaterThan(0);
    // no frame of one session reached the other's browser
    expect(shapes.frames.some((f) => f.type === 'prediction' && f.prediction.classIds)).toBe(false);
    expect(scenes.frames.some((f) => f.type === 'prediction' && f.prediction.probs && !f.prediction.classIds)).toBe(
      false,
    );
    // the trainers' status frames name the model version a moment after the predictions
    let list: any[] = [];
    for (let i = 0; i < 100; i++) {
      list = (await srv.api('GET', '/api/sessions')).body.sessions;
      if (list.every((s: any) => s.modelVersion > 0)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(list.find((s: any) => s.name === 'shapes')).toMatchObject({
      task: 'classification',
      trainer: 'running',
      backbone: expect.stringContaining('tiny'),
    });
    expect(list.find((s: any) => s.name === 'scenes')).toMatchObject({ task: 'segmentation', trainer: 'running' });
    expect(list.find((s: any) => s.name === 'shapes').modelVersion).toBeGreaterThanOrEqual(p1.modelVersion);
    expect(list.find((s: any) => s.name === 'scenes').modelVersion).toBeGreaterThanOrEqual(p2.modelVersion);
    shapes.close();
    scenes.close();
  }, 240_000);
});
