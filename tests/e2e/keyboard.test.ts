// The keyboard-only walk-through on classification, in real Chromium against the real
// server: fast moves, the strategy select in step with the header, "by class" asking for its class,
// every page and dialog scrollable by keys, and the paper cuts (unknown ids, the jump box, charts,
// thumbnails). No mouse event is sent in this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, fakeTrainer, openClassifying, shot, waitFor, type App } from './helpers.ts';

let app: App;
let browser: Browser;
let page: Page;
let trainer: Awaited<ReturnType<typeof fakeTrainer>>;
let classes: { id: number; name: string }[];
const bad: string[] = []; // HTTP errors and console errors the page met

const imageId = async () => Number((await page.textContent('[data-testid=image-id]'))?.replace('#', ''));
const waitImage = (id: number) =>
  page.waitForFunction((id) => document.querySelector('[data-testid=image-id]')?.textContent === `#${id}`, id);
const header = async () => (await page.textContent('[data-testid=strategy]')) ?? '';
const selected = () => page.$eval('[data-testid=strategy-choice]', (el) => (el as HTMLSelectElement).value);
/** nothing raw on screen: no stage error, no error toast */
async function noRawError() {
  expect(await page.$('[data-testid=stage-note].error')).toBeNull();
  expect(await page.$$eval('[data-testid=toast].error', (t) => t.map((x) => x.textContent))).toEqual([]);
}

beforeAll(async () => {
  // these walk-throughs start from sequential order, by keyboard only
  ({ app, browser, page, classes } = await openClassifying({
    count: 60,
    strategy: 'sequential',
    bad,
    countMouse: true,
  }));
  trainer = await fakeTrainer(app.url);
  trainer.send({
    type: 'status',
    status: { phase: 'ready', embedded: 60, total: 60, device: 'cpu', backbone: 'tiny', modelVersion: 1 },
  });
  trainer.send({
    type: 'suggestions',
    modelVersion: 1,
    lists: { uncertain: [40, 41, 42, 43, 44, 45], [`class:${classes[2].id}`]: [50, 51, 52, 53] },
  });
  await page.waitForFunction(() =>
    document.querySelector('[data-testid=trainer-status]')?.textContent?.includes('ready'),
  );
});
afterAll(async () => {
  trainer?.close();
  await browser?.close();
  await app?.close();
});

describe('keyboard walk-through, classification (e2e, Chromium)', () => {
  it('30 quick → presses move 30 images, and 30 ← come back', async () => {
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
    await waitImage(31);
    await page.waitForTimeout(300); // nothing still on its way
    expect(await imageId()).toBe(31);
    for (let i = 0; i < 30; i++) await page.keyboard.press('a');
    await waitImage(1);
    await page.waitForTimeout(300);
    expect(await imageId()).toBe(1);
  });

  it("the side panel's strategy select stays in step with the header across moves, labels and trainer frames", async () => {
    await page.keyboard.press('n');
    await page.waitForFunction(() => document.querySelector('[data-testid=strategy]')?.textContent?.includes('random'));
    expect(await selected()).toBe('random');
    for (let i = 0; i < 3; i++) {
      const at = await imageId();
      await page.keyboard.press(i === 1 ? '2' : 'ArrowRight'); // a label moves on too (to a random image)
      await page.waitForFunction((b) => document.querySelector('[data-testid=image-id]')?.textContent !== `#${b}`, at);
      await page.waitForTimeout(200); // the session refetch and socket frames that follow a move
      expect(await selected()).toBe('random');
      expect(await header()).toContain('random');
    }
    trainer.send({
      type: 'status',
      status: { phase: 'fitting', embedded: 60, total: 60, device: 'cpu', backbone: 'tiny', modelVersion: 1 },
    });
    trainer.send({
      type: 'suggestions',
      modelVersion: 1,
      lists: { uncertain: [40, 41, 42, 43, 44, 45], [`class:${classes[2].id}`]: [50, 51, 52, 53] },
    });
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=trainer-status]')?.textContent?.includes('fitting'),
    );
    expect(await selected()).toBe('random');
    await page.keyboard.press('Shift+N');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=strategy]')?.textContent?.includes('sequential'),
    );
    expect(await selected()).toBe('sequential');
    await noRawError();
  });

  it('"by class" asks for its class by key; the next images follow that class; Esc and n get out', async () => {
    await page.keyboard.press('n'); // random
    await page.keyboard.press('n'); // by class: asks first
    await page.waitForSelector('[data-testid=class-prompt]');
    expect(await header()).toContain('random'); // nothing changes before a class is chosen
    await page.screenshot({ path: shot('class-prompt') });
    await page.keyboard.press('3');
    await page.waitForSelector('[data-testid=class-prompt]', { state: 'detached' });
    expect(await header()).toContain(`by class: ${classes[2].name}`);
    expect(await selected()).toBe('class');
    expect(await page.$eval('[data-testid=strategy-class]', (el) => (el as HTMLSelectElement).value)).toBe(
      String(classes[2].id),
    );
    const at = await imageId();
    await page.keyboard.press('1'); // label, then next by class: the model's most likely triangle
    await waitImage(50);
    expect((await api<{ annotation: { classId: number } }>(app.url, `/api/images/${at}`)).annotation.classId).toBe(
      classes[0].id,
    );
    await noRawError();
    // n goes on from by class; back onto it asks again, and Esc keeps what was there
    await page.keyboard.press('n');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=strategy]')?.textContent?.includes('uncertain'),
    );
    await page.keyboard.press('Shift+N');
    await page.waitForSelector('[data-testid=class-prompt]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=class-prompt]', { state: 'detached' });
    expect(await header()).toContain('uncertain');
    // inside the prompt, n skips by class altogether
    await page.keyboard.press('Shift+N');
    await page.waitForSelector('[data-testid=class-prompt]');
    await page.keyboard.press('Shift+N');
    await page.waitForFunction(() => document.querySelector('[data-testid=strategy]')?.textContent?.includes('random'));
    expect(await page.$('[data-testid=class-prompt]')).toBeNull();
    await page.keyboard.press('Shift+N'); // back to sequential for what follows
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=strategy]')?.textContent?.includes('sequential'),
    );
  });

  it('PageDown / End / Home (and ↓, Space) scroll every page, the side panel and the key overlay', async () => {
    for (let i = 1; i <= 6; i++)
      trainer.send({ type: 'metric', name: 'val_accuracy', step: i * 5, value: 0.4 + i * 0.05 });
    for (let i = 1; i <= 6; i++)
      trainer.send({ type: 'metric', name: 'train_loss', step: i * 5, value: 0.2 + i * 0.04 });
    trainer.send({
      type: 'confusion',
      classIds: classes.map((k) => k.id),
      matrix: classes.map((_, r) => classes.map((__, c) => (r === c ? 5 : 1))),
    });
    await page.setViewportSize({ width: 1100, height: 460 });
    /** presses and checks that `sel` scrolled: End to the bottom, Home to the top, then each key moves it down */
    async function scrolls(sel: string, downKeys: string[]) {
      const pos = () => page.$eval(sel, (el) => ({ top: el.scrollTop, max: el.scrollHeight - el.clientHeight }));
      expect((await pos()).max, `${sel} overflows`).toBeGreaterThan(40);
      await page.keyboard.press('End');
      await waitFor(
        async () => {
          const p = await pos();
          return p.top >= p.max - 1;
        },
        2000,
        `${sel} at the bottom`,
      );
      await page.keyboard.press('Home');
      await waitFor(async () => (await pos()).top === 0, 2000, `${sel} at the top`);
      for (const k of downKeys) {
        await page.keyboard.press(k);
        await waitFor(async () => (await pos()).top > 0, 2000, `${k} scrolls ${sel}`);
        await page.keyboard.press('Home');
        await waitFor(async () => (await pos()).top === 0, 2000, `${sel} back at the top`);
      }
    }
    await page.keyboard.press('Shift+S');
    await page.waitForSelector('[data-testid=loss-note]');
    await scrolls('main', ['PageDown', 'ArrowDown', 'Space']);
    await page.keyboard.press('End');
    await page.screenshot({ path: shot('stats-scrolled-end') });
    await page.keyboard.press('Shift+B');
    await page.waitForSelector('[data-testid=thumb]');
    await scrolls('main', ['PageDown', 'Space']); // ↓ moves the selection in browse
    await page.keyboard.press('Shift+P');
    await page.waitForSelector('[data-testid=key-remap]');
    await scrolls('main', ['PageDown', 'Space']); // ↓ selects the next action in settings
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=keys-overlay]');
    await scrolls('[data-testid=keys-overlay]', ['PageDown', 'ArrowDown', 'Space']);
    await page.keyboard.press('End');
    await page.screenshot({ path: shot('keys-overlay-end') });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+L');
    await page.waitForSelector('[data-testid=class-buttons]');
    await scrolls('.side', ['PageDown', 'ArrowDown']);
    await page.setViewportSize({ width: 1360, height: 860 });
  });

  it('settings: ↓ keeps the selected action in view, Delete removes its last key, ⌫ restores it', async () => {
    await page.setViewportSize({ width: 1100, height: 460 });
    await page.keyboard.press('Shift+P');
    await page.waitForSelector('[data-testid=key-remap]');
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowDown');
    const inView = () =>
      page.evaluate(() => {
        const row = document.querySelector('[data-testid=key-remap] tr.selected')!.getBoundingClientRect();
        const main = document.querySelector('main')!.getBoundingClientRect();
        // rows are 27.5 px: scrollIntoView may leave a fraction of a pixel past the edge
        return row.top >= main.top - 1 && row.bottom <= main.bottom + 1;
      });
    await waitFor(inView, 2000, 'the selected row scrolled into view');
    const row = () =>
      page.$eval('[data-testid=key-remap] tr.selected', (r) => ({
        action: r.getAttribute('data-action'),
        keys: r.querySelectorAll('.key-chip').length,
      }));
    const before = await row();
    expect(before.keys).toBeGreaterThan(0);
    await page.keyboard.press('Delete');
    await waitFor(async () => (await row()).keys === before.keys - 1, 2000, 'one key fewer');
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('hilt.keymap.v1') ?? '{}'));
    expect(stored[before.action!]).toHaveLength(before.keys - 1);
    await page.screenshot({ path: shot('settings-key-removed') });
    await page.keyboard.press('Backspace');
    await waitFor(async () => (await row()).keys === before.keys, 2000, 'defaults back');
    await page.setViewportSize({ width: 1360, height: 860 });
  });

  it('an unknown id is said once, as such: no "not labelled yet", no stale image, no 404 in the console', async () => {
    await page.keyboard.press('Shift+L');
    await page.waitForSelector('[data-testid=class-buttons]');
    bad.length = 0;
    const headerBox = (await page.locator('header').boundingBox())!;
    await page.keyboard.press('g');
    await page.keyboard.type('99999');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=jump-error]');
    expect(await page.textContent('[data-testid=jump-error]')).toBe('No image with id 99999');
    // the message hangs below the box: the header neither grows nor pushes its links off
    expect((await page.locator('header').boundingBox())!.height).toBe(headerBox.height);
    const nav = (await page.locator('header nav').boundingBox())!;
    expect(nav.x + nav.width).toBeLessThanOrEqual(1360);
    await page.screenshot({ path: shot('jump-unknown-id') });
    await page.keyboard.press('Escape');
    expect(bad).toEqual([]);
    // typed into the address bar instead
    await page.goto(app.url + '/classification?id=99999');
    await page.waitForSelector('[data-testid=stage-note].error');
    expect(await page.textContent('[data-testid=stage-note]')).toBe('There is no image with id 99999.');
    expect(await page.textContent('[data-testid=current-label]')).toBe('');
    expect(await page.textContent('[data-testid=image-id]')).toBe('#—');
    expect(await page.$('[data-testid=stage] img')).toBeNull();
    await page.keyboard.press('ArrowLeft'); // keys still work from there
    bad.length = 0;
  });

  it('charts name their axes and explain a rising training loss; thumbnails sit centred without black bands', async () => {
    await page.goto(app.url + '/stats');
    await page.waitForSelector('[data-testid=loss-note]');
    // the axes are titled (drawn on the canvas, and said in each chart's label); the legends name the series,
    // with no empty readouts ("--")
    const axes = await page.$$eval('.chart', (ls) => ls.map((l) => l.getAttribute('aria-label') ?? ''));
    expect(
      axes.some((a) => /^accuracy vs labels: val_accuracy/.test(a)),
      axes.join(' / '),
    ).toBe(true);
    expect(
      axes.some((a) => /^train loss vs labels: train_loss/.test(a)),
      axes.join(' / '),
    ).toBe(true);
    const legends = await page.$$eval('.chart .u-legend', (ls) => ls.map((l) => l.textContent ?? ''));
    expect(legends.join(' ')).toMatch(/val_accuracy/);
    expect(legends.join(' ')).not.toMatch(/--/);
    expect(await page.textContent('[data-testid=loss-note]')).toMatch(/rises.*not the model getting worse/s);
    await page.screenshot({ path: shot('stats') });
    await page.keyboard.press('Shift+B');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid=thumb] img')]
        .slice(0, 6)
        .every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
    );
    const fit = await page.$$eval('[data-testid=thumb] img', (imgs) =>
      imgs.slice(0, 6).map((i) => {
        const el = i as HTMLImageElement;
        const box = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        return {
          box: box.width / box.height,
          natural: el.naturalWidth / el.naturalHeight,
          position: s.objectPosition,
          bg: s.backgroundColor,
        };
      }),
    );
    for (const f of fit) {
      expect(Math.abs(f.box - f.natural)).toBeLessThan(0.03); // the picture fills its box: no band
      expect(f.position).toBe('50% 50%');
      expect(f.bg).not.toBe('rgb(1, 4, 9)');
    }
    await page.screenshot({ path: shot('browse') });
    expect(bad).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { mouseEvents: number }).mouseEvents)).toBe(0);
  });
});
