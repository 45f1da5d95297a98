// The header at 1024, 1280 and 1440 px: nothing vanishes (session, image id, progress, trainer status with
// embedding progress and model version, backbone, strategy, who you are, every link and `?`), nothing is
// cut or overlaps, no horizontal scrollbar, and the jump box (g) pushes nothing off-screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { isVal } from '../../common/split.ts';
import { fakeTrainer, launch, shot, startApp, type App } from './helpers.ts';

let app: App;
let browser: Browser;
let page: Page;
let trainer: Awaited<ReturnType<typeof fakeTrainer>>;

beforeAll(async () => {
  app = await startApp({ count: 20, name: 'shapes-first-hour' });
  browser = await launch();
  page = await browser.newPage({ bypassCSP: true, viewport: { width: 1440, height: 800 } });
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
  await page.goto(app.url + '/');
  await page.waitForSelector('[data-testid=task-classification]');
  await page.keyboard.press('1');
  await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#1');
  trainer = await fakeTrainer(app.url);
  trainer.send({
    type: 'status',
    status: {
      phase: 'embedding',
      embedded: 1234,
      total: 10000,
      device: 'cpu',
      backbone: 'mobilenetv2-imagenet',
      backboneNote: 'DINOv3 unavailable offline: running ImageNet MobileNetV2',
      modelVersion: 35,
    },
  });
  await page.waitForFunction(() =>
    document.querySelector('[data-testid=trainer-status]')?.textContent?.includes('model v35'),
  );
});
afterAll(async () => {
  trainer?.close();
  await browser?.close();
  await app?.close();
});

interface Part {
  what: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
  cut: boolean;
  title: string | null;
}

/** Every part of the header: its box, and whether its text is cut (wider than its box). */
async function parts(): Promise<{ parts: Part[]; pageWidth: number; viewport: number }> {
  return page.evaluate(() => {
    const sel: [string, string][] = [
      ['brand', '.brand'],
      ['session', '[data-testid=session-name]'],
      ['image id', '[data-testid=image-id], [data-testid=jump-input]'],
      ['progress', '[data-testid=progress]'],
      ['trainer', '[data-testid=trainer-status] > span:not(.dot)'],
      ['backbone', '[data-testid=backbone]'],
      ['strategy', '[data-testid=strategy]'],
      ['you', '[data-testid=you]'],
      ...[...document.querySelectorAll('header nav > *')].map(
        (_, i) => [`nav ${i}`, `header nav > :nth-child(${i + 1})`] as [string, string],
      ),
    ];
    const out = sel.map(([what, s]) => {
      const el = document.querySelector(s) as HTMLElement | null;
      if (!el) return { what, left: 0, right: 0, top: 0, bottom: 0, cut: true, title: null };
      const r = el.getBoundingClientRect();
      return {
        what,
        left: r.left,
        right: r.right,
        top: r.top,
        bottom: r.bottom,
        cut: el.scrollWidth > el.clientWidth + 1,
        title: el.getAttribute('title'),
      };
    });
    return { parts: out, pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth };
  });
}

function check(got: Awaited<ReturnType<typeof parts>>, width: number) {
  expect(got.pageWidth, `no horizontal scrollbar at ${width} px`).toBeLessThanOrEqual(got.viewport);
  for (const p of got.parts) {
    expect(p.right - p.left, `${p.what} is drawn at ${width} px`).toBeGreaterThan(8);
    expect(p.left, `${p.what} starts on screen at ${width} px`).toBeGreaterThanOrEqual(0);
    expect(p.right, `${p.what} ends on screen at ${width} px`).toBeLessThanOrEqual(width + 0.5);
    // the session name may be shortened, with its whole name as the tooltip; nothing else is cut
    if (p.what === 'session') {
      if (p.cut) expect(p.title).toContain('shapes-first-hour');
    } else expect(p.cut, `${p.what} is whole at ${width} px`).toBe(false);
  }
  for (let i = 0; i < got.parts.length; i++)
    for (let j = i + 1; j < got.parts.length; j++) {
      const a = got.parts[i],
        b = got.parts[j];
      const overlap =
        Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 &&
        Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
      expect(overlap, `${a.what} and ${b.what} overlap at ${width} px`).toBe(false);
    }
}

describe('header layout (e2e, Chromium)', () => {
  for (const width of [1024, 1280, 1440]) {
    it(`at ${width} px every part is whole and on screen, the trainer's state readable; the jump box pushes nothing off`, async () => {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(150);
      check(await parts(), width);
      expect(await page.textContent('[data-testid=trainer-status]')).toBe(
        'embedding 1,234 of 10,000 on cpu with mobilenetv2-imagenet · model v35',
      );
      await page.screenshot({ path: shot(`header-${width}`), clip: { x: 0, y: 0, width, height: 90 } });
      await page.keyboard.press('g');
      await page.waitForSelector('[data-testid=jump-input]');
      await page.waitForTimeout(150);
      check(await parts(), width);
      await page.screenshot({ path: shot(`header-${width}-jump`), clip: { x: 0, y: 0, width, height: 90 } });
      await page.keyboard.press('Escape');
      await page.waitForSelector('[data-testid=image-id]');
    });
  }

  it('marks an image on the validation side (for classification its label never trains the model), beside the id, at 1024 px', async () => {
    await page.setViewportSize({ width: 1024, height: 800 });
    // ids 3 and 4 are val-side by the persistent split's hash, 1 and 2 train-side
    expect([1, 2, 3, 4].map((id) => isVal(id))).toEqual([false, false, true, true]);
    await page.goto(app.url + '/classification?id=3');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#3');
    await page.waitForSelector('[data-testid=val-side]');
    expect(await page.textContent('[data-testid=val-side]')).toBe('val');
    expect(await page.getAttribute('[data-testid=val-side]', 'title')).toContain('never trains it');
    const box = async (s: string) => (await page.locator(s).boundingBox())!;
    const chip = await box('[data-testid=val-side]'),
      id = await box('[data-testid=image-id]'),
      progress = await box('[data-testid=progress]');
    expect(chip.x).toBeGreaterThan(id.x + id.width);
    expect(chip.x + chip.width).toBeLessThanOrEqual(progress.x);
    await page.screenshot({ path: shot('header-val-side'), clip: { x: 0, y: 0, width: 1024, height: 90 } });
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#2');
    expect(await page.locator('[data-testid=val-side]').count()).toBe(0);
  });
});
