// The same keyboard-only walk-through on segmentation: fast moves, the strategy select in step,
// "by class" asking for its class, the side panel scrollable by keys, and a predicted map marked as
// maybe out of date (model strategies off) once the trainer is gone. No mouse, no raw error on screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, countMouse, fakeTrainer, launch, shot, startApp, waitFor, type App } from './helpers.ts';
import { encodeBase64 } from '../../web/src/seg/overlay-math.ts';

let app: App;
let browser: Browser;
let page: Page;
let classes: { id: number; name: string }[];

const imageId = async () => Number((await page.textContent('[data-testid=image-id]'))?.replace('#', ''));
const waitImage = (id: number) =>
  page.waitForFunction((id) => document.querySelector('[data-testid=image-id]')?.textContent === `#${id}`, id);
const strategyIs = (s: string) =>
  page.waitForFunction(
    (s) => document.querySelector('[data-testid=strategy]')?.textContent?.trim() === `next: ${s}`,
    s,
  );
const selected = () => page.$eval('[data-testid=strategy-choice]', (el) => (el as HTMLSelectElement).value);
async function noRawError() {
  expect(await page.$('[data-testid=stage-note].error')).toBeNull();
  expect(await page.$$eval('[data-testid=toast].error', (t) => t.map((x) => x.textContent))).toEqual([]);
}

beforeAll(async () => {
  app = await startApp({ count: 40 });
  browser = await launch();
  page = await browser.newPage({ bypassCSP: true, viewport: { width: 1360, height: 860 } });
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
  await countMouse(page);
  await page.goto(app.url + '/');
  await page.waitForSelector('[data-testid=task-segmentation]');
  await page.keyboard.press('2');
  await waitImage(1);
  classes = (await api<{ classes: { id: number; name: string }[] }>(app.url, '/api/classes')).classes;
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('keyboard walk-through, segmentation (e2e, Chromium)', () => {
  it('30 quick → presses move 30 images (saving on the way), ← comes back', async () => {
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
    await waitImage(31);
    await page.waitForTimeout(300);
    expect(await imageId()).toBe(31);
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowLeft');
    await waitImage(1);
    await noRawError();
  });

  it('with a trainer: the select follows the header, "by class" asks by key, and a predicted map names its model', async () => {
    const trainer = await fakeTrainer(app.url);
    try {
      trainer.send({
        type: 'status',
        status: { phase: 'ready', embedded: 40, total: 40, device: 'cpu', backbone: 'tiny', modelVersion: 1 },
      });
      trainer.send({
        type: 'suggestions',
        modelVersion: 1,
        lists: { uncertain: [30, 31], [`class:${classes[1].id}`]: [20, 21] },
      });
      const w = 4,
        h = 3,
        ids = [classes[0].id, classes[1].id];
      const map = new Uint8Array(2 * w * h).map((_, i) => (i < w * h ? 60 : 195));
      trainer.send({
        type: 'predictions',
        modelVersion: 1,
        items: [
          { imageId: 1, classId: ids[1], classIds: ids, width: w, height: h, map: encodeBase64(map), uncertainty: 0.3 },
        ],
      });
      await page.waitForSelector('text=Use the prediction as the mask');
      expect(await page.textContent('[data-testid=seg-prediction]')).toContain('model v1');
      expect(await page.$('[data-testid=prediction-stale]')).toBeNull();
      await strategyIs('uncertain'); // segmentation's default (server/strategies.ts), on once the trainer published it
      await page.keyboard.press('n'); // past the end of the ring (mix, when its list is out) back to sequential
      await page.waitForTimeout(150);
      if ((await selected()) === 'mix') await page.keyboard.press('n');
      await strategyIs('sequential');
      await page.keyboard.press('n');
      await strategyIs('random');
      for (let i = 0; i < 3; i++) {
        await page.keyboard.press('d');
        await page.waitForTimeout(150);
        expect(await selected()).toBe('random');
      }
      await page.keyboard.press('n');
      await page.waitForSelector('[data-testid=class-prompt]');
      await page.keyboard.press('1'); // class keys: background is 0, circle (the second class) 1
      await strategyIs(`by class: ${classes[1].name}`);
      expect(await selected()).toBe('class');
      await page.keyboard.press('s'); // save and next by strategy: the model's most likely class-2 image
      await waitImage(20);
      await noRawError();
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('Shift+N'); // back to random (by class → random)
      await strategyIs('random');
      await page.keyboard.press('Shift+N');
      await strategyIs('sequential');
      await page.keyboard.press('g');
      await page.keyboard.type('1');
      await page.keyboard.press('Enter');
      await waitImage(1);
      await page.waitForSelector('text=Use the prediction as the mask');
    } finally {
      trainer.close();
    }
    // the trainer is gone: its map stays, marked, and the model strategies are off
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=trainer-status]')?.textContent?.includes('trainer offline'),
    );
    await page.waitForSelector('[data-testid=prediction-stale]');
    expect(await page.textContent('[data-testid=prediction-stale]')).toContain('the trainer is offline');
    for (const s of ['uncertain', 'class'])
      expect(await page.$eval(`option[value=${s}]`, (o) => (o as HTMLOptionElement).disabled)).toBe(true);
    await page.screenshot({ path: shot('segmentation-stale') });
  });

  it('the side panel scrolls by keys when the window is short (Space stays the pan key)', async () => {
    await page.setViewportSize({ width: 1100, height: 420 });
    const pos = () => page.$eval('.side', (el) => ({ top: el.scrollTop, max: el.scrollHeight - el.clientHeight }));
    // the layout settles a frame or two after the resize (the panel's height follows <main>'s): wait for two
    // equal readings 100 ms apart, else End aims at a bottom that then moves
    let last = -1;
    await waitFor(
      async () => {
        const m = (await pos()).max,
          same = m === last;
        last = m;
        if (!same) await page.waitForTimeout(100);
        return same;
      },
      3000,
      'the side panel at its final height',
    );
    expect((await pos()).max).toBeGreaterThan(40);
    await page.keyboard.press('End');
    await waitFor(
      async () => {
        const p = await pos();
        return p.top >= p.max - 1;
      },
      2000,
      'side panel at the bottom',
    );
    await page.screenshot({ path: shot('segmentation-side-end') });
    await page.keyboard.press('Home');
    await waitFor(async () => (await pos()).top === 0, 2000, 'side panel at the top');
    await page.keyboard.press('PageDown');
    await waitFor(async () => (await pos()).top > 0, 2000, 'PageDown scrolls');
    await page.keyboard.press('Home');
    await page.keyboard.down('Space');
    await page.keyboard.up('Space');
    await page.waitForTimeout(100);
    expect((await pos()).top).toBe(0);
    await page.setViewportSize({ width: 1360, height: 860 });
    await noRawError();
    expect(await page.evaluate(() => (window as unknown as { mouseEvents: number }).mouseEvents)).toBe(0);
  });
});
