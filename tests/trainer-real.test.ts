// The real server + the real trainer on real pretrained features (mobilenetv2-imagenet), on demo pictures
// where only the shape tells the classes apart (random colours and backgrounds): a few labels per class
// are learned well above chance. The same run on `tiny` is the machinery test (trainer-e2e.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers/fixtures.ts';
import { demoWithTrainer, type DemoTrainer } from './helpers/demo-trainer.ts';
import { browserPeer, type Child } from './helpers/peers.ts';

const N = 200,
  PER_CLASS = 10;
let dir: string, srv: TestServer, trainer: Child, truth: Map<string, string>, demo: DemoTrainer;

beforeAll(async () => {
  demo = await demoWithTrainer({ count: N, seed: 3 }, 'mobilenetv2-imagenet', 120_000);
  ({ dir, srv, trainer, truth } = demo);
}, 180_000);
afterAll(async () => {
  await demo?.stop();
});

describe('learning on real features', () => {
  it(`${PER_CLASS} labels per class on shape-only pictures → held-out accuracy ≥ 0.55 (chance 0.25)`, async () => {
    // measured 2026-11-30 (2 cores): 0.6–0.7 here; a linear probe on the same features gives 0.69 at 10/class
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    const classes: { id: number; name: string }[] = (await srv.api('GET', '/api/classes')).body.classes;
    const byName = new Map(classes.map((c) => [c.name, c.id]));
    const images: { id: number; name: string }[] = (await srv.api('GET', '/api/images?limit=500')).body.items;
    const per = new Map<string, number>();
    for (const img of images) {
      const cls = truth.get(img.name)!;
      if ((per.get(cls) ?? 0) >= PER_CLASS) continue;
      per.set(cls, (per.get(cls) ?? 0) + 1);
      await srv.api('PUT', `/api/images/${img.id}/annotation`, { kind: 'label', classId: byName.get(cls) });
    }
    const br = await browserPeer(srv.url);
    const ready = await br.waitFor(
      (x) => x.type === 'trainer' && x.status?.phase === 'ready' && x.status.embedded === N,
      180_000,
    );
    expect(ready.status.backbone).toBe('mobilenetv2-imagenet');
    await br.waitFor((x) => x.type === 'suggestions', 60_000);
    const list = (await srv.api('GET', '/api/images?limit=500&unlabelled=1')).body.items as {
      name: string;
      prediction: { classId: number } | null;
    }[];
    const scored = list.filter((i) => i.prediction);
    expect(scored.length).toBeGreaterThan(list.length * 0.9);
    const acc = scored.filter((i) => i.prediction!.classId === byName.get(truth.get(i.name)!)).length / scored.length;
    console.log(
      `mobilenetv2-imagenet, shape-only demo: ${PER_CLASS * 4} labels, held-out accuracy ${(acc * 100).toFixed(1)} % (chance 25 %)`,
    );
    expect(acc).toBeGreaterThanOrEqual(0.55);
    br.close();
  }, 300_000);
});
