// The issue's own scenario, end to end: a demo session (shape-only pictures), the real server and the real
// trainer on mobilenetv2-imagenet, the first 32 pictures labelled correctly (8 per class, as sequential
// labelling gives). The review list the trainer publishes flags no label at a score of 0.9 or more, says
// how often its held-out heads agree with the labels, and the near-duplicate hint names no pair of these
// distinct pictures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './helpers/fixtures.ts';
import { demoWithTrainer, type DemoTrainer } from './helpers/demo-trainer.ts';
import { browserPeer, type Child } from './helpers/peers.ts';

const N = 160,
  LABELS = 32;
let dir: string, srv: TestServer, trainer: Child, truth: Map<string, string>, demo: DemoTrainer;

beforeAll(async () => {
  demo = await demoWithTrainer({ count: N, seed: 4 }, 'mobilenetv2-imagenet', 120_000);
  ({ dir, srv, trainer, truth } = demo);
}, 180_000);
afterAll(async () => {
  await demo?.stop();
});

describe('review list, demo session, real trainer', () => {
  it(`${LABELS} correct labels: nothing flagged at ≥ 0.9`, async () => {
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    const classes: { id: number; name: string }[] = (await srv.api('GET', '/api/classes')).body.classes;
    const byName = new Map(classes.map((c) => [c.name, c.id]));
    const images: { id: number; name: string }[] = (await srv.api('GET', `/api/images?limit=${N}`)).body.items;
    for (const img of images.slice(0, LABELS))
      await srv.api('PUT', `/api/images/${img.id}/annotation`, {
        kind: 'label',
        classId: byName.get(truth.get(img.name)!),
      });
    const br = await browserPeer(srv.url);
    await br.waitFor((f) => f.type === 'trainer' && f.status?.phase === 'ready' && f.status.embedded === N, 180_000);
    let review: any = null;
    for (let t = 0; t < 600 && !(review?.labelled >= LABELS); t++) {
      await new Promise((r) => setTimeout(r, 200));
      review = (await srv.api('GET', `/api/review?limit=${LABELS}`)).body;
    }
    const flagged = review.items.filter((i: { flagged: boolean }) => i.flagged);
    console.log(
      `demo, ${LABELS} correct labels: ${review.waiting ? `waiting: ${review.waiting}` : `${flagged.length} flagged, scores ${flagged.map((i: { score: number }) => i.score.toFixed(2)).join(' ')}; held-out agreement ${review.agreement}`}`,
    );
    expect(review).toMatchObject({ method: 'k-fold', labelled: LABELS, waiting: null, folds: 5 });
    expect(review.agreement).toBeGreaterThan(0.25);
    for (const it of flagged) expect(it.score).toBeLessThan(0.9);
    let hints: { modelVersion: number | null; hints: { code: string }[] } = { modelVersion: null, hints: [] };
    for (let t = 0; t < 300 && !hints.modelVersion; t++) {
      await new Promise((r) => setTimeout(r, 200));
      hints = (await srv.api('GET', '/api/hints')).body;
    }
    expect(hints.modelVersion).toBeGreaterThan(0);
    expect(hints.hints.map((h) => h.code)).not.toContain('near_duplicates');
    br.close();
  }, 300_000);
});
