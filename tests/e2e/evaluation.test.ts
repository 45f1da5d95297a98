// The evaluation page and the review walk, by keyboard only, in real Chromium against the real server
// with a fake trainer sending what the real one sends (evaluation, review, hints, metrics): the page shows
// per-class scores, a confusion matrix whose cells open their images in Browse, curves, the per-image
// table sorted by loss, the hints with their images, the export command; the review walk keeps or
// relabels each flagged image; the `review` strategy comes from the server's registry and walks the same
// list in the labelling view. No mouse event is sent in this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, fakeTrainer, openClassifying, shot, waitFor, type App } from './helpers.ts';

let app: App, browser: Browser, page: Page;
let trainer: Awaited<ReturnType<typeof fakeTrainer>>;
let K: { id: number; name: string }[];
const bad: string[] = [];
const text = (sel: string) => page.textContent(sel).then((t) => t ?? '');
const put = (id: number, classId: number) =>
  api(app.url, `/api/images/${id}/annotation`, { method: 'PUT', body: JSON.stringify({ kind: 'label', classId }) });
const annotation = async (id: number) =>
  (await api<{ annotation: { classId: number; updatedAt: number } }>(app.url, `/api/images/${id}`)).annotation;

beforeAll(async () => {
  // these walk-throughs start from sequential order, by keyboard only
  ({
    app,
    browser,
    page,
    classes: K,
  } = await openClassifying({ count: 40, strategy: 'sequential', height: 900, bad, countMouse: true }));
  for (let id = 1; id <= 20; id++) await put(id, K[id % 4].id);
  trainer = await fakeTrainer(app.url);
  const ids = K.map((k) => k.id);
  trainer.send({
    type: 'status',
    status: { phase: 'ready', embedded: 40, total: 40, device: 'cpu', backbone: 'tiny', modelVersion: 2 },
  });
  trainer.send({ type: 'suggestions', modelVersion: 2, lists: { uncertain: [30, 31, 32], review: [] } });
  for (const [i, v] of [0.4, 0.55, 0.62, 0.7].entries())
    trainer.send({ type: 'metric', name: 'val_accuracy', step: (i + 1) * 5, value: v });
  for (const [i, v] of [0.3, 0.5, 0.6, 0.66].entries())
    trainer.send({ type: 'metric', name: 'val_macro_f1', step: (i + 1) * 5, value: v });
  trainer.send({
    type: 'evaluation',
    task: 'classification',
    modelVersion: 2,
    labelled: 20,
    trainSize: 15,
    valSize: 5,
    accuracy: 0.6,
    macroF1: 0.5,
    miou: null,
    ece: 0.12,
    temperature: 1.8,
    classIds: ids,
    perClass: ids.map((id, c) => ({
      classId: id,
      support: c === 0 ? 2 : 1,
      predicted: c === 1 ? 2 : 1,
      precision: c === 3 ? null : 0.5,
      recall: 0.5,
      f1: 0.5,
    })),
    confusion: [
      [1, 1, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 1, 0],
    ],
    unit: 'images',
    images: [
      { id: 4, given: ids[0], predicted: ids[1], confidence: 0.8, loss: 2.3 },
      { id: 8, given: ids[0], predicted: ids[0], confidence: 0.9, loss: 0.1 },
      { id: 5, given: ids[1], predicted: ids[1], confidence: 0.7, loss: 0.35 },
      { id: 6, given: ids[2], predicted: ids[2], confidence: 0.6, loss: 0.5 },
      { id: 7, given: ids[3], predicted: ids[2], confidence: 0.55, loss: 1.2 },
    ],
  });
  const flagged = [
    [9, 0.97, ids[2]],
    [10, 0.9, ids[3]],
    [11, 0.8, ids[0]],
  ] as const;
  trainer.send({
    type: 'review',
    task: 'classification',
    modelVersion: 2,
    method: 'k-fold',
    folds: 5,
    labelled: 20,
    agreement: 0.7,
    items: await Promise.all(
      flagged.map(async ([id, score, suggested]) => ({
        id,
        given: K[id % 4].id,
        suggested,
        score,
        flagged: true,
        updatedAt: (await annotation(id)).updatedAt,
      })),
    ),
  });
  trainer.send({
    type: 'hints',
    modelVersion: 2,
    hints: [
      {
        code: 'confused_pair',
        severity: 'info',
        message: `The model confuses "${K[0].name}" and "${K[1].name}"`,
        classIds: [ids[0], ids[1]],
        imageIds: [4],
      },
      {
        code: 'few_labels',
        severity: 'warning',
        message: `"${K[3].name}" has only 5 labels`,
        classIds: [ids[3]],
        imageIds: [33, 34],
      },
    ],
  });
  await page.waitForFunction(() =>
    document.querySelector('[data-testid=trainer-status]')?.textContent?.includes('ready'),
  );
}, 120_000);
afterAll(async () => {
  trainer?.close();
  await browser?.close();
  await app?.close();
});

describe('evaluation page (e2e, Chromium, keyboard only)', () => {
  it('Shift+E opens it: headline, per-class table, confusion matrix, curves, hints, likely errors, per-image table, export', async () => {
    await page.keyboard.press('Shift+E');
    await page.waitForSelector('[data-testid=eval-headline]');
    expect(await text('[data-testid=eval-headline]')).toMatch(
      /model v2.*0\.60 accuracy.*0\.50 macro-F1.*0\.12 calibration error \(ECE\).*on 5 val images · trained on 15 · 20 labelled/,
    );
    expect(await page.getAttribute('[data-testid=eval-ece]', 'title')).toMatch(/temperature of 1\.80/);
    expect(await page.$$eval('[data-testid=eval-class-row]', (r) => r.length)).toBe(4);
    expect(await page.$$eval('[data-testid=eval-class-row]', (r) => r[3].textContent)).toContain('–'); // undefined precision
    expect(
      await page.$$eval('[data-testid=eval-image-row]', (r) => r.map((x) => x.textContent!.match(/#(\d+)/)![1])),
    ).toEqual(['4', '7', '6', '5', '8']);
    expect(await page.$$('.chart')).toHaveLength(1);
    expect(await page.$$eval('[data-testid=hint]', (h) => h.map((x) => x.getAttribute('data-code')))).toEqual([
      'confused_pair',
      'few_labels',
    ]);
    expect(await text('[data-testid=review-count]')).toBe('3');
    expect(await text('[data-testid=review-agreement]')).toMatch(
      /agree with 70 % of the labels: .*label more before trusting the list/,
    );
    await (await page.$('[data-testid=review-summary]'))!.screenshot({ path: shot('review-summary') });
    expect(await text('[data-testid=export-box]')).toMatch(/No trained head saved yet/);
    // numbers line up: each column's header, rows and mean row end at the same x
    const right = await page.$$eval('[data-testid=eval-classes] tr', (rows) =>
      rows.map((r) =>
        [...r.children].map((c) => {
          const el = c as HTMLElement,
            range = document.createRange();
          range.selectNodeContents(el);
          const b = range.getBoundingClientRect();
          return el.textContent?.trim() ? Math.round(b.right) : null;
        }),
      ),
    );
    for (const col of [1, 2, 3, 4]) {
      const xs = right.map((r) => r[col]).filter((x): x is number => x !== null);
      expect(Math.max(...xs) - Math.min(...xs), `column ${col} aligned`).toBeLessThanOrEqual(2);
    }
    // a chart legend names its series without "--" values while the pointer is elsewhere
    expect(await page.$eval('.chart', (c) => c.textContent ?? '')).not.toContain('--');
    // an inline code in the export's sentence stays inline; only the command is a block
    expect(
      await page.evaluate(() => {
        const box = document.createElement('section');
        box.className = 'card export-box';
        box.innerHTML = '<p>as <code>pixel_values</code> in</p><code class="export-command">cmd</code>';
        document.body.append(box);
        const [a, b] = [...box.querySelectorAll('code')].map((c) => getComputedStyle(c).display);
        box.remove();
        return [a, b];
      }),
    ).toEqual(['inline', 'block']);
    await page.screenshot({ path: shot('evaluation'), fullPage: true });
  });

  it("arrows move the cell cursor, Enter opens that cell's images in Browse", async () => {
    await page.keyboard.press('ArrowDown'); // cursor starts at (0, 1): given A, predicted B
    await page.keyboard.press('ArrowUp');
    expect(
      await page.$$eval('[data-testid=confusion-cell]', (c) => c.findIndex((x) => x.classList.contains('cursor'))),
    ).toBe(1);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=browse-set]');
    // the count reads 0 until the cell's images have loaded
    await page
      .waitForFunction(() => /: [1-9]/.test(document.querySelector('[data-testid=browse-set]')?.textContent ?? ''))
      .catch(() => {});
    expect(await text('[data-testid=browse-set]')).toMatch(/confusion cell: 1/);
    expect(await page.$$eval('[data-testid=thumb] .thumb-id', (t) => t.map((x) => x.textContent))).toEqual(['#4']);
    await page.goBack();
    await page.waitForSelector('[data-testid=eval-headline]');
  });

  it('r sorts by loss ascending, j / o open a row; a hint key opens its images; PageDown / End scroll', async () => {
    await page.keyboard.press('r');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=eval-image-row]')?.textContent?.includes('#8'),
    );
    await page.keyboard.press('j');
    await page.keyboard.press('o');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#5');
    await page.keyboard.press('Shift+E');
    await page.waitForSelector('[data-testid=eval-headline]');
    await page.keyboard.press('2'); // hint 2: few labels → its two images
    await page.waitForSelector('[data-testid=browse-set]');
    await page
      .waitForFunction(() => document.querySelectorAll('[data-testid=thumb] .thumb-id').length >= 2)
      .catch(() => {});
    expect(await page.$$eval('[data-testid=thumb] .thumb-id', (t) => t.map((x) => x.textContent))).toEqual([
      '#33',
      '#34',
    ]);
    await page.keyboard.press('Shift+E');
    await page.waitForSelector('[data-testid=eval-headline]');
    await page.setViewportSize({ width: 1100, height: 500 });
    const top = () => page.$eval('main', (m) => m.scrollTop);
    await page.keyboard.press('End');
    await waitFor(async () => (await top()) > 100, 2000, 'End scrolls');
    await page.screenshot({ path: shot('evaluation-end') });
    await page.keyboard.press('Home');
    await waitFor(async () => (await top()) === 0, 2000, 'Home scrolls back');
    await page.keyboard.press('PageDown');
    await waitFor(async () => (await top()) > 0, 2000, 'PageDown scrolls');
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('v opens the review walk: k keeps a label, y twice takes the held-out suggestion (once only asks), the next comes up under the cursor', async () => {
    // the live model, fitted on #10's label too, agrees with it at 99 %; the held-out heads do not
    trainer.send({
      type: 'predictions',
      modelVersion: 2,
      items: [
        {
          imageId: 10,
          classId: K[2].id,
          probs: Object.fromEntries(K.map((k, c) => [String(k.id), c === 2 ? 0.99 : 0.01 / 3])),
          uncertainty: 0.02,
        },
      ],
    });
    await waitFor(
      async () => (await api<{ prediction: unknown }>(app.url, '/api/images/10')).prediction !== null,
      3000,
      'the prediction is stored',
    );
    await page.keyboard.press('v');
    await page.waitForSelector('[data-testid=review-panel] h2');
    expect(await page.$$eval('[data-testid=thumb] .thumb-id', (t) => t.map((x) => x.textContent))).toEqual([
      '#9',
      '#10',
      '#11',
    ]);
    expect(await text('[data-testid=review-given]')).toContain(K[1].name);
    expect(await text('[data-testid=review-suggested]')).toContain(K[2].name);
    await page.screenshot({ path: shot('review-walk') });
    await page.keyboard.press('k');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=review-panel] h2')?.textContent?.startsWith('#10'),
    );
    expect((await annotation(9)).classId).toBe(K[1].id); // kept
    // the held-out figure and the live model's are told apart, and why they differ is said
    expect(await text('[data-testid=review-live]')).toContain(`${K[2].name} 99 %`);
    expect(await text('[data-testid=review-explain]')).toMatch(/never saw this image/);
    await page.keyboard.press('y'); // asks first
    await page.waitForSelector('[data-testid=review-confirm]');
    expect(await text('[data-testid=review-confirm]')).toContain(`Relabel #10 from “${K[2].name}” to “${K[3].name}”`);
    await page.screenshot({ path: shot('review-confirm') });
    expect((await annotation(10)).classId).toBe(K[2].id); // nothing written yet
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=review-confirm]', { state: 'detached' });
    await page.keyboard.press('y');
    await page.keyboard.press('y');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=review-panel] h2')?.textContent?.startsWith('#11'),
    );
    expect((await annotation(10)).classId).toBe(K[3].id); // the held-out heads' suggestion
    expect((await api<{ items: unknown[] }>(app.url, '/api/review?flagged=1')).items).toHaveLength(1);
  });

  it('the review strategy comes from the registry and walks the flagged labels in the labelling view', async () => {
    await page.keyboard.press('Shift+L');
    await page.waitForSelector('[data-testid=class-buttons]');
    await page.waitForSelector('[data-testid=hints-panel] [data-testid=hint]'); // what needs attention, beside the image
    const options = await page.$$eval('[data-testid=strategy-choice] option', (o) =>
      o.map((x) => (x as HTMLOptionElement).value),
    );
    expect(options).toEqual([
      'sequential',
      'random',
      'class',
      'minority',
      'uncertain',
      'diverse',
      'typical',
      'mix',
      'review',
    ]);
    for (let i = 0; i < 10 && !(await text('[data-testid=strategy]')).includes('review'); i++)
      await page.keyboard.press('n');
    expect(await text('[data-testid=strategy]')).toContain('review likely label errors');
    await page.keyboard.press('g'); // an unlabelled image, skipped: next by strategy is the flagged #11
    await page.keyboard.type('35');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#35');
    await page.keyboard.press('s');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#11');
    expect(await text('[data-testid=current-label]')).toContain(`labelled ${K[3].name}`);
    await page.screenshot({ path: shot('review-strategy') });
    await page.keyboard.press('1'); // relabel: answered, and nothing flagged is left
    await waitFor(async () => (await annotation(11)).classId === K[0].id, 3000, 'relabelled');
    expect((await api<{ items: unknown[] }>(app.url, '/api/review?flagged=1')).items).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { mouseEvents: number }).mouseEvents)).toBe(0);
    expect(bad).toEqual([]);
  });
});
