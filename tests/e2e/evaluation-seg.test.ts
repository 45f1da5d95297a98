// The evaluation page of a segmentation session (Chromium, keyboard only, fake trainer): per-class IoU and
// mIoU, the patch confusion (cells not linked: they count patches, not images), per-image IoU, and the
// likely-label-error summary worded for masks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, fakeTrainer, launch, shot, startApp, type App } from './helpers.ts';

let app: App, browser: Browser, page: Page;
let trainer: Awaited<ReturnType<typeof fakeTrainer>>;
let evaluation: Record<string, unknown>, K: number[];

beforeAll(async () => {
  app = await startApp({ count: 12 });
  await api(app.url, '/api/session/task', { method: 'PUT', body: JSON.stringify({ task: 'segmentation' }) });
  K = (await api<{ classes: { id: number }[] }>(app.url, '/api/classes')).classes.map((k) => k.id).slice(0, 3);
  browser = await launch();
  page = await browser.newPage({ bypassCSP: true, viewport: { width: 1360, height: 900 } });
  trainer = await fakeTrainer(app.url);
  trainer.send({
    type: 'status',
    status: { phase: 'ready', embedded: 12, total: 12, device: 'cpu', backbone: 'tiny', modelVersion: 3 },
  });
  evaluation = {
    type: 'evaluation',
    task: 'segmentation',
    modelVersion: 3,
    labelled: 10,
    trainSize: 8,
    valSize: 2,
    accuracy: 0.8,
    macroF1: 0.7,
    miou: 0.62,
    classIds: K,
    unit: 'patches',
    confusion: [
      [50, 5, 0],
      [4, 30, 6],
      [0, 9, 20],
    ],
    perClass: K.map((id, c) => ({
      classId: id,
      support: [55, 40, 29][c],
      predicted: [54, 44, 26][c],
      precision: 0.8,
      recall: 0.7,
      f1: 0.75,
      iou: [0.8, 0.56, 0.5][c],
    })),
    images: [
      { id: 2, given: K[0], predicted: K[0], confidence: 0.8, loss: 0.4, iou: 0.7 },
      { id: 5, given: K[1], predicted: K[2], confidence: 0.6, loss: 0.9, iou: 0.41 },
    ],
  };
  trainer.send(evaluation);
  trainer.send({
    type: 'review',
    task: 'segmentation',
    modelVersion: 3,
    method: 'patches',
    folds: 0,
    labelled: 0,
    items: [],
  });
  await page.goto(app.url + '/evaluation');
  await page.waitForSelector('[data-testid=eval-headline]');
}, 120_000);
afterAll(async () => {
  trainer?.close();
  await browser?.close();
  await app?.close();
});

describe('evaluation page, segmentation', () => {
  it('shows mIoU, per-class IoU, the patch confusion and per-image IoU', async () => {
    expect(await page.textContent('[data-testid=eval-headline]')).toMatch(/model v3.*0\.62 mIoU.*on 2 val images/);
    const rows = await page.$$eval('[data-testid=eval-class-row]', (r) => r.map((x) => x.textContent));
    expect(rows).toHaveLength(3);
    expect(rows[1]).toContain('0.56');
    expect(await page.textContent('[data-testid=eval-classes] tfoot')).toContain('0.62');
    expect(await page.$$eval('[data-testid=confusion-cell] a', (a) => a.length)).toBe(0);
    expect(
      await page.$$eval('[data-testid=eval-image-row]', (r) => r.map((x) => x.textContent!.match(/#(\d+)/)![1])),
    ).toEqual(['5', '2']);
    expect(await page.textContent('[data-testid=eval-images]')).toContain('0.41');
    expect(await page.textContent('[data-testid=review-summary]')).toMatch(/0 flagged: images whose painted labels/);
    await page.screenshot({ path: shot('evaluation-segmentation') });
  });

  it("shows the accepted masks' mIoU and per-class IoU when the trainer has scored them", async () => {
    expect(await page.$('[data-testid=eval-accepted]')).toBeNull();
    trainer.send({
      ...evaluation,
      accepted: {
        miou: 0.71,
        pixelAccuracy: 0.9,
        images: 2,
        named: true,
        perClass: K.map((id, c) => ({ classId: id, iou: [0.93, 0.66, 0.54][c] })),
      },
    });
    await page.waitForSelector('[data-testid=eval-accepted]');
    expect(await page.textContent('[data-testid=eval-accepted]')).toMatch(
      /0\.71 mIoU of the accepted masks \(2 val images, per pixel, shapes named by their crops\)/,
    );
    // the patch-grid figure stays beside it
    expect(await page.textContent('[data-testid=eval-headline]')).toMatch(/0\.62 mIoU at the patch grid/);
    expect(await page.$$eval('[data-testid=eval-class-accepted]', (c) => c.map((x) => x.textContent))).toEqual([
      '0.93',
      '0.66',
      '0.54',
    ]);
    expect(await page.textContent('[data-testid=eval-classes] tfoot')).toContain('0.71');
    // the val curves are named for a reader: which mIoU, and each class's IoU by the class's name
    for (const [name, value] of [
      ['val_miou', 0.62],
      ['val_miou_accepted', 0.71],
      [`val_iou:${K[1]}`, 0.56],
    ] as const)
      trainer.send({ type: 'metric', name, step: 10, value });
    const cls = (await api<{ classes: { id: number; name: string }[] }>(app.url, '/api/classes')).classes;
    await page.reload();
    await page.waitForSelector('.chart .u-legend');
    const legend = await page.textContent('.chart .u-legend');
    expect(legend).toContain('mIoU (patch grid)');
    expect(legend).toContain('mIoU (accepted masks)');
    expect(legend).toContain(`IoU ${cls.find((k) => k.id === K[1])!.name}`);
    expect(legend).not.toMatch(/val_/);
    await page.screenshot({ path: shot('evaluation-segmentation-accepted') });
  });
});
