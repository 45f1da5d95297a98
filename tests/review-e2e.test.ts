// The real server + the real trainer (child process, tiny backbone: machinery, not a learning claim) on demo
// pictures whose class shows in their colour: some labels are flipped on purpose, and the k-fold review
// puts them first; /api/next?strategy=review walks them; the evaluation and hints arrive for the same model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { join } from 'node:path';
import type { TestServer } from './helpers/fixtures.ts';
import { demoWithTrainer, type DemoTrainer } from './helpers/demo-trainer.ts';
import { browserPeer, type Child } from './helpers/peers.ts';

const N = 120,
  LABELS = 80,
  FLIPS = 8;
let dir: string, srv: TestServer, trainer: Child, truth: Map<string, string>, demo: DemoTrainer;

beforeAll(async () => {
  demo = await demoWithTrainer({ count: N, cue: 'colour', seed: 5 }, 'tiny');
  ({ dir, srv, trainer, truth } = demo);
}, 120_000);
afterAll(async () => {
  await demo?.stop();
});

describe('likely label errors, end to end', () => {
  it(`${FLIPS} of ${LABELS} labels flipped: the review list puts them first, the strategy walks them`, async () => {
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    const classes: { id: number; name: string }[] = (await srv.api('GET', '/api/classes')).body.classes;
    const byName = new Map(classes.map((c) => [c.name, c.id]));
    const images: { id: number; name: string }[] = (await srv.api('GET', '/api/images?limit=500')).body.items;
    const flipped = new Set<number>();
    for (const [k, img] of images.slice(0, LABELS).entries()) {
      const right = byName.get(truth.get(img.name)!)!;
      // every 10th label goes to the next class: a careless annotator
      const wrong = k % 10 === 3 ? classes[(classes.findIndex((c) => c.id === right) + 1) % classes.length].id : right;
      if (wrong !== right) flipped.add(img.id);
      await srv.api('PUT', `/api/images/${img.id}/annotation`, { kind: 'label', classId: wrong });
    }
    expect(flipped.size).toBe(FLIPS);
    const br = await browserPeer(srv.url);
    // the k-fold review of the model that saw every label
    await br.waitFor((f) => f.type === 'trainer' && f.status?.phase === 'ready' && f.status.embedded === N, 120_000);
    let review: any = null;
    for (let t = 0; t < 600 && !(review?.labelled >= LABELS); t++) {
      await new Promise((r) => setTimeout(r, 200));
      review = (await srv.api('GET', `/api/review?limit=${FLIPS}`)).body;
    }
    expect(review).toMatchObject({ method: 'k-fold', folds: 5, labelled: LABELS });
    const top = review.items.map((i: { id: number }) => i.id);
    const hits = top.filter((id: number) => flipped.has(id)).length;
    console.log(`review: ${hits} of the top ${FLIPS} are the ${FLIPS} flipped labels (tiny backbone, colour cue)`);
    // measured 5 (2026-12-01): the other 3 flipped pictures look like their wrong class to this backbone
    // (held-out p(given) > 0.9); a random ranking would catch 0.8 of them
    expect(hits).toBeGreaterThanOrEqual(5);
    const first = review.items[0];
    expect(first.flagged).toBe(true);
    expect(first.given).not.toBe(first.suggested);
    // the strategy hands out the flagged labelled images, most suspicious first
    const next = (await srv.api('GET', '/api/next?strategy=review&annotator=reviewer')).body;
    expect(next).toEqual({ id: first.id, reason: 'review' });
    // relabelling it with the model's suggestion takes it off the list at once
    await srv.api('PUT', `/api/images/${first.id}/annotation`, { kind: 'label', classId: first.suggested });
    expect(
      (await srv.api('GET', '/api/review?flagged=1&limit=100')).body.items.map((i: { id: number }) => i.id),
    ).not.toContain(first.id);
    // the evaluation of a model on these labels, and hints
    const ev = (await srv.api('GET', '/api/evaluation')).body.evaluation;
    expect(ev.valSize).toBeGreaterThan(5);
    expect(ev.perClass).toHaveLength(4);
    expect(ev.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(ev.valSize);
    expect((await srv.api('GET', '/api/stats')).body.metrics.val_macro_f1?.length).toBeGreaterThan(0);
    // the hints follow the review once the labelled pictures' pixel prints are made
    let hints: { modelVersion: number | null } = { modelVersion: null };
    for (let t = 0; t < 150 && !hints.modelVersion; t++) {
      await new Promise((r) => setTimeout(r, 200));
      hints = (await srv.api('GET', '/api/hints')).body;
    }
    expect(hints.modelVersion).toBeGreaterThan(0);
    br.close();
  }, 300_000);

  it('a re-encoded copy of a labelled picture, labelled differently, raises the near_duplicates hint', async () => {
    const images: { id: number; name: string; annotation: { classId: number } | null }[] = (
      await srv.api('GET', '/api/images?limit=500')
    ).body.items;
    const orig = images.find((i) => i.annotation && !i.name.startsWith('copy'))!;
    // under the server's folder: an import root by default on loopback
    const dupDir = join(process.cwd(), '.tmp', `dup-${Date.now()}`);
    mkdirSync(dupDir, { recursive: true });
    await sharp(join(dir, 'data', 'images', orig.name))
      .jpeg({ quality: 92 })
      .toFile(join(dupDir, `copy-${orig.name}`));
    try {
      expect((await srv.api('POST', '/api/import', { path: dupDir })).body.added).toBe(1);
      const copy = ((await srv.api('GET', '/api/images?limit=500')).body.items as { id: number; name: string }[]).find(
        (i) => i.name === `copy-${orig.name}`,
      )!;
      const classes: { id: number }[] = (await srv.api('GET', '/api/classes')).body.classes;
      const other = classes.find((c) => c.id !== orig.annotation!.classId)!;
      await srv.api('PUT', `/api/images/${copy.id}/annotation`, { kind: 'label', classId: other.id });
      let hint: { imageIds: number[] } | undefined;
      for (let t = 0; t < 300 && !hint; t++) {
        await new Promise((r) => setTimeout(r, 200));
        hint = (await srv.api('GET', '/api/hints')).body.hints.find(
          (h: { code: string; imageIds: number[] }) => h.code === 'near_duplicates' && h.imageIds.includes(copy.id),
        );
      }
      expect(hint?.imageIds.slice(0, 2).sort((a, b) => a - b)).toEqual([orig.id, copy.id].sort((a, b) => a - b));
    } finally {
      rmSync(dupDir, { recursive: true, force: true });
    }
  }, 120_000);
});
