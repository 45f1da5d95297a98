// The model-quality surface with a fake trainer: evaluation, review and hints frames are checked (P8),
// kept (P6, across a restart) and announced to browsers with a small `changed` frame; GET /api/evaluation,
// /api/review, /api/hints and the Browse filters read them; the `review` strategy walks labelled images and
// drops those relabelled, kept or re-saved; the model-lagging hint comes from the server's own counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer, type BrowserPeer } from './helpers/peers.ts';

let dir: string, srv: TestServer, trainer: BrowserPeer, browser: BrowserPeer;
let A: number, B: number, C: number;
const ids = [1, 2, 3, 4, 5, 6, 7, 8];

async function label(id: number, classId: number) {
  expect((await srv.api('PUT', `/api/images/${id}/annotation`, { kind: 'label', classId })).status).toBe(200);
}
const updatedAt = async (id: number) => (await srv.api('GET', `/api/images/${id}`)).body.annotation.updatedAt as number;

const evaluation = () => ({
  type: 'evaluation',
  task: 'classification',
  modelVersion: 3,
  labelled: 8,
  trainSize: 5,
  valSize: 3,
  accuracy: 2 / 3,
  macroF1: 0.5,
  miou: null,
  classIds: [A, B],
  perClass: [
    { classId: A, support: 2, predicted: 2, precision: 0.5, recall: 0.5, f1: 0.5 },
    { classId: B, support: 1, predicted: 1, precision: 1, recall: 1, f1: 1 },
  ],
  confusion: [
    [1, 1],
    [0, 1],
  ],
  unit: 'images',
  images: [
    { id: 2, given: A, predicted: A, confidence: 0.9, loss: 0.1 },
    { id: 3, given: A, predicted: B, confidence: 0.8, loss: 1.6 },
    { id: 4, given: B, predicted: B, confidence: 0.7, loss: 0.36 },
    { id: 999, given: B, predicted: B, confidence: 0.7, loss: 0.3 }, // no such image: dropped (P8)
  ],
});

beforeAll(async () => {
  dir = tempDir();
  await makeSession(dir, 'q', 12);
  srv = await serveSession(dir, 'q');
  await srv.api('PUT', '/api/session/task', { task: 'classification' });
  [A, B, C] = await Promise.all(
    ['a', 'b', 'c'].map(async (n) => (await srv.api('POST', '/api/classes', { name: n })).body.class.id),
  );
  for (const id of ids) await label(id, id % 2 ? A : B);
  trainer = await browserPeer(srv.url, 'trainer');
  browser = await browserPeer(srv.url);
  await trainer.waitFor((f) => f.type === 'snapshot');
});
afterAll(async () => {
  trainer?.close();
  browser?.close();
  await srv?.close();
});

describe('evaluation', () => {
  it('is checked, kept and announced; GET /api/evaluation pages and sorts the per-image table, filters a cell', async () => {
    expect((await srv.api('GET', '/api/evaluation')).body.evaluation).toBeNull();
    trainer.ws.send(JSON.stringify(evaluation()));
    const err = await trainer.waitFor((f) => f.type === 'error' && f.code === 'dropped');
    expect(err.message).toMatch(/1 evaluation rows naming unknown images/);
    expect(await browser.waitFor((f) => f.type === 'changed' && f.what === 'evaluation')).toMatchObject({
      modelVersion: 3,
    });
    const r = (await srv.api('GET', '/api/evaluation')).body;
    expect(r.evaluation).toMatchObject({
      modelVersion: 3,
      valSize: 3,
      trainSize: 5,
      accuracy: 2 / 3,
      confusion: [
        [1, 1],
        [0, 1],
      ],
      unit: 'images',
      classIds: [A, B],
    });
    expect(r.evaluation.perClass.map((k: { name: string; support: number }) => [k.name, k.support])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(r.evaluation.images.items.map((i: { id: number }) => i.id)).toEqual([3, 4, 2]); // highest loss first
    expect(r.export.command).toMatch(/^npx hilt export --session q .*--format onnx --out q-model$/);
    const asc = (await srv.api('GET', '/api/evaluation?sort=-loss&limit=2')).body.evaluation.images;
    expect(asc).toMatchObject({ total: 3, limit: 2, sort: '-loss' });
    expect(asc.items.map((i: { id: number }) => i.id)).toEqual([2, 4]);
    expect(
      (await srv.api('GET', `/api/evaluation?given=${A}&predicted=${B}`)).body.evaluation.images.items.map(
        (i: { id: number }) => i.id,
      ),
    ).toEqual([3]);
    expect((await srv.api('GET', '/api/evaluation?sort=nope')).status).toBe(400);
    // the confusion cell in Browse: the val images of that cell
    expect((await srv.api('GET', `/api/images?cell=${A}:${B}`)).body.items.map((i: { id: number }) => i.id)).toEqual([
      3,
    ]);
    expect((await srv.api('GET', '/api/images?cell=x')).status).toBe(400);
  });

  it('from another task, or naming a class the session lacks, is dropped whole', async () => {
    trainer.ws.send(JSON.stringify({ ...evaluation(), modelVersion: 4, task: 'segmentation', unit: 'patches' }));
    expect(
      (
        await trainer.waitFor(
          (f) => f.type === 'error' && /a segmentation evaluation in a classification session/.test(f.message),
        )
      ).code,
    ).toBe('dropped');
    trainer.ws.send(JSON.stringify({ ...evaluation(), modelVersion: 4, classIds: [A, 12345], perClass: [] }));
    await trainer.waitFor((f) => f.type === 'error' && /evaluation names a class/.test(f.message));
    expect((await srv.api('GET', '/api/evaluation')).body.evaluation.modelVersion).toBe(3);
  });
});

describe('review', () => {
  it('ranks labelled images; the review strategy and the Browse filter walk the flagged ones, minus those answered since', async () => {
    const items = await Promise.all(
      [5, 6, 7, 8].map(async (id, k) => ({
        id,
        given: id % 2 ? A : B,
        suggested: id % 2 ? B : A,
        score: 0.9 - k * 0.1,
        flagged: k < 3,
        updatedAt: await updatedAt(id),
      })),
    );
    trainer.ws.send(
      JSON.stringify({
        type: 'review',
        task: 'classification',
        modelVersion: 3,
        method: 'k-fold',
        folds: 5,
        labelled: 8,
        items,
      }),
    );
    await browser.waitFor((f) => f.type === 'changed' && f.what === 'review');
    const r = (await srv.api('GET', '/api/review?limit=3')).body;
    expect(r).toMatchObject({ modelVersion: 3, method: 'k-fold', total: 4, flagged: 3 });
    expect(r.items).toEqual([
      { id: 5, given: A, suggested: B, score: 0.9, flagged: true },
      { id: 6, given: B, suggested: A, score: 0.8, flagged: true },
      { id: 7, given: A, suggested: B, score: 0.7, flagged: true },
    ]);
    expect((await srv.api('GET', '/api/session')).body.strategies).toContain('review');
    const next = async () => (await srv.api('GET', '/api/next?strategy=review&annotator=rev')).body;
    expect(await next()).toEqual({ id: 5, reason: 'review' }); // a labelled image: not filtered out
    expect(
      (await srv.api('GET', '/api/images?review=1&sort=rank')).body.items.map((i: { id: number }) => i.id),
    ).toEqual([5, 6, 7]);
    await label(5, B); // relabelled: answered
    await label(6, B); // the same label again: kept
    expect((await srv.api('POST', '/api/review/7/keep', {})).body.kept.id).toBe(7);
    expect((await srv.api('GET', '/api/review?flagged=1')).body.items).toEqual([]);
    expect(await next()).toMatchObject({ reason: 'review: fallback to sequential (its list is used up)' });
    expect((await srv.api('POST', '/api/review/1/keep', {})).status).toBe(200);
    expect((await srv.api('POST', '/api/review/12345/keep', {})).status).toBe(404);
  });

  it('a keep lasts until the label changes', async () => {
    const items = [{ id: 7, given: A, suggested: B, score: 0.95, flagged: true, updatedAt: await updatedAt(7) }];
    trainer.ws.send(
      JSON.stringify({
        type: 'review',
        task: 'classification',
        modelVersion: 4,
        method: 'k-fold',
        folds: 5,
        labelled: 8,
        items,
      }),
    );
    await browser.waitFor((f) => f.type === 'changed' && f.what === 'review' && f.modelVersion === 4);
    expect((await srv.api('GET', '/api/review')).body.items).toEqual([]); // kept at this very annotation
    await label(7, C);
    const again = [{ ...items[0], given: C, updatedAt: await updatedAt(7) }];
    trainer.ws.send(
      JSON.stringify({
        type: 'review',
        task: 'classification',
        modelVersion: 5,
        method: 'k-fold',
        folds: 5,
        labelled: 8,
        items: again,
      }),
    );
    await browser.waitFor((f) => f.type === 'changed' && f.what === 'review' && f.modelVersion === 5);
    expect((await srv.api('GET', '/api/review')).body.items.map((i: { id: number }) => i.id)).toEqual([7]);
  });
});

describe('hints', () => {
  it("keeps the trainer's hints (unknown image ids dropped) and adds model_lagging from the server's counts", async () => {
    trainer.ws.send(
      JSON.stringify({
        type: 'hints',
        modelVersion: 3,
        hints: [{ code: 'few_labels', severity: 'warning', message: 'm', classIds: [C], imageIds: [1, 999] }],
      }),
    );
    await browser.waitFor((f) => f.type === 'changed' && f.what === 'hints');
    expect((await srv.api('GET', '/api/hints')).body.hints).toEqual([
      { code: 'few_labels', severity: 'warning', message: 'm', classIds: [C], imageIds: [1] },
    ]);
    // the model saw 1 label; 8 exist, and 8 ≥ 10 is false: no lag hint yet ...
    trainer.ws.send(JSON.stringify({ type: 'model', version: 3, labelled: 1, counts: {} }));
    await new Promise((r) => setTimeout(r, 100));
    expect((await srv.api('GET', '/api/hints')).body.hints.map((h: { code: string }) => h.code)).toEqual([
      'few_labels',
    ]);
    // ... with 4 more images labelled there is
    await makeMore();
    const h = (await srv.api('GET', '/api/hints')).body.hints;
    expect(h[0]).toMatchObject({ code: 'model_lagging', severity: 'warning' });
    expect(h[0].message).toMatch(/trained on 1 labels; 12 exist now — the trainer is busy/);
    expect(h[0].imageIds.length).toBeGreaterThan(0);
  });

  it('everything kept survives a restart', async () => {
    await srv.close();
    srv = await serveSession(dir, 'q');
    expect((await srv.api('GET', '/api/evaluation')).body.evaluation.modelVersion).toBe(3);
    expect((await srv.api('GET', '/api/review')).body.modelVersion).toBe(5);
    const h = (await srv.api('GET', '/api/hints')).body.hints.map((x: { code: string }) => x.code);
    expect(h).toEqual(['model_lagging', 'few_labels']);
    expect((await srv.api('GET', '/api/hints')).body.hints[0].message).toMatch(/the trainer is offline/);
  });
});

/** the 4 images still unlabelled get labels: 12 exist */
async function makeMore() {
  for (const id of [9, 10, 11, 12]) await label(id, A);
}
