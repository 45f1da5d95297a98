// The real trainer (tiny backbone: machinery) with 600 labelled images: its review list is longer than one
// frame may carry, arrives whole in parts, and /api/review lists every labelled image; the trainer is never
// told its frame was refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers/fixtures.ts';
import { demoWithTrainer, type DemoTrainer } from './helpers/demo-trainer.ts';
import { browserPeer, type Child } from './helpers/peers.ts';

const N = 640,
  LABELS = 600;
let dir: string, srv: TestServer, trainer: Child, truth: Map<string, string>, demo: DemoTrainer;

beforeAll(async () => {
  demo = await demoWithTrainer({ count: N, cue: 'colour', seed: 8, size: [96, 72] }, 'tiny');
  ({ dir, srv, trainer, truth } = demo);
}, 180_000);
afterAll(async () => {
  await demo?.stop();
});

describe('a review list of 600 labels from the real trainer', () => {
  it('arrives whole', async () => {
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    const classes: { id: number; name: string }[] = (await srv.api('GET', '/api/classes')).body.classes;
    const byName = new Map(classes.map((c) => [c.name, c.id]));
    const images: { id: number; name: string }[] = (await srv.api('GET', `/api/images?limit=500`)).body.items;
    const rest: { id: number; name: string }[] = (await srv.api('GET', `/api/images?limit=500&offset=500`)).body.items;
    for (const img of [...images, ...rest].slice(0, LABELS))
      await srv.api('PUT', `/api/images/${img.id}/annotation`, {
        kind: 'label',
        classId: byName.get(truth.get(img.name)!),
      });
    const br = await browserPeer(srv.url);
    await br.waitFor((f) => f.type === 'trainer' && f.status?.phase === 'ready' && f.status.embedded === N, 180_000);
    let review: any = null;
    for (let t = 0; t < 900 && !(review?.labelled >= LABELS); t++) {
      await new Promise((r) => setTimeout(r, 200));
      review = (await srv.api('GET', `/api/review?limit=1000`)).body;
    }
    expect(review).toMatchObject({ method: 'k-fold', labelled: LABELS, total: LABELS, waiting: null });
    expect(review.items).toHaveLength(LABELS);
    expect(trainer.out()).not.toMatch(/at most 500 per frame/);
    br.close();
  }, 300_000);
});
