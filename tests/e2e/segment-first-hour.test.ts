// Segmentation, a new labeller's first hour: a predicted map readable at the default opacity with its
// class shares, Enter asking twice on a very uncertain map, "recolour this predicted region" by pointing
// and a class key (one undoable edit, "undone: …" said), a disagreement view whose count and magenta
// agree, a layout that stays put while painting and no "saved" before anything was, the uncertainty
// map's legend, and a key list with the keys of this session's classes only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CANVAS_ONLY, ROOT, api, fakeTrainer, launch, shot, startApp, waitFor, type App } from './helpers.ts';
import { canvasPoint, savedMask } from './seg-helpers.ts';
import { encodeBase64 } from '../../web/src/seg/overlay-math.ts';

let app: App;
let browser: Browser;
let page: Page;
let trainer: Awaited<ReturnType<typeof fakeTrainer>>;
let classes: { id: number; name: string }[] = [];
const W = 320,
  H = 240;
const id = async () => Number((await page.textContent('[data-testid=image-id]'))!.slice(1));
const text = async (sel: string) => (await page.textContent(sel)) ?? '';
const toasts = () => page.$$eval('[data-testid=toast]', (t) => t.map((x) => x.textContent ?? ''));

const mask = (image: number) => savedMask(app.url, image);
const at = (x: number, y: number) => canvasPoint(page, W, H, x, y);
/** The canvas as RGB, the pointer parked off it. */
async function pixels(): Promise<{ data: Buffer; width: number; height: number }> {
  await page.mouse.move(2, 2);
  await page.waitForTimeout(120);
  const { data, info } = await sharp(await page.locator('[data-testid=seg-canvas]').screenshot(CANVAS_ONLY))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
const magenta = (p: { data: Buffer }) => {
  let n = 0;
  for (let i = 0; i < p.data.length; i += 3) if (p.data[i] > 200 && p.data[i + 1] < 110 && p.data[i + 2] > 170) n++;
  return n;
};

/** A w×h map: class index k(x, y) at probability `top`, the rest shared. */
function map(w: number, h: number, k: (x: number, y: number) => number, top: number): string {
  const C = classes.length,
    m = new Uint8Array(C * w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < C; c++)
        m[c * w * h + y * w + x] = Math.round(255 * (c === k(x, y) ? top : (1 - top) / (C - 1)));
  return encodeBase64(m);
}
const send = async (image: number, m: string, w: number, h: number) => {
  trainer.send({
    type: 'predictions',
    modelVersion: 2,
    items: [
      {
        imageId: image,
        classId: classes[1].id,
        classIds: classes.map((k) => k.id),
        width: w,
        height: h,
        map: m,
        uncertainty: 0.3,
      },
    ],
  });
  await page.waitForSelector('[data-testid=pred-shares]');
};

beforeAll(async () => {
  app = await startApp({ count: 8 });
  browser = await launch();
  page = await browser.newPage({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
  await page.addInitScript(() => localStorage.setItem('hilt.strategy', JSON.stringify('sequential')));
  await page.goto(app.url + '/');
  await page.waitForSelector('[data-testid=task-segmentation]');
  await page.keyboard.press('2');
  await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#1');
  classes = (await api<{ classes: { id: number; name: string }[] }>(app.url, '/api/classes')).classes;
  trainer = await fakeTrainer(app.url);
  trainer.send({
    type: 'status',
    status: { phase: 'ready', embedded: 8, total: 8, device: 'cpu', backbone: 'tiny', modelVersion: 2 },
  });
});
afterAll(async () => {
  trainer?.close();
  await browser?.close();
  await app?.close();
});

describe('segmentation, the first hour (e2e, Chromium)', () => {
  it('says nothing about saving before anything is painted, and the canvas stays put while painting and saving', async () => {
    expect(await text('[data-testid=save-state]')).toBe('');
    const box = async () => (await page.locator('[data-testid=seg-canvas]').boundingBox())!;
    const before = await box();
    await page.keyboard.press('1'); // circle
    const a = await at(40, 40),
      b = await at(90, 60);
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      await page.mouse.move(a.x, a.y + 10 * i);
      await page.mouse.down();
      await page.mouse.move(b.x, b.y + 10 * i, { steps: 4 });
      await page.mouse.up();
      seen.add(JSON.stringify(await box()));
      await page.waitForTimeout(60);
      seen.add(JSON.stringify(await box()));
    }
    await page.waitForFunction(
      () => document.querySelector('[data-testid=save-state]')?.textContent === 'all changes saved',
      undefined,
      { timeout: 8000 },
    );
    seen.add(JSON.stringify(await box()));
    expect([...seen]).toEqual([JSON.stringify(before)]);
    // the caption is one line and the whole stage fits in the window
    const cap = (await page.locator('.stage-caption').boundingBox())!;
    expect(cap.height).toBeLessThanOrEqual(24);
    expect(before.y + before.height).toBeLessThanOrEqual(800);
    await page.keyboard.press('Delete');
    await page.keyboard.press('d');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#2');
  });

  it('shows a wrong map plainly at the default opacity, with the share of each class', async () => {
    const image = await id();
    const bare = await pixels();
    // two thirds of the picture called "circle"
    await send(
      image,
      map(12, 9, (x) => (x < 8 ? 1 : 0), 0.9),
      12,
      9,
    );
    await page.waitForTimeout(300);
    const shown = await pixels();
    // the "circle" side is tinted plainly: the median change per pixel on it
    const diffs: number[] = [];
    for (let y = 0; y < bare.height; y += 3)
      for (let x = 0; x < bare.width / 2; x += 3) {
        const i = (y * bare.width + x) * 3;
        diffs.push(
          Math.abs(bare.data[i] - shown.data[i]) +
            Math.abs(bare.data[i + 1] - shown.data[i + 1]) +
            Math.abs(bare.data[i + 2] - shown.data[i + 2]),
        );
      }
    diffs.sort((p, q) => p - q);
    const median = diffs[diffs.length >> 1];
    await page.screenshot({ path: shot('seg-first-hour-shares') });
    expect(median, 'median RGB change under the predicted "circle"').toBeGreaterThan(85);
    const shares = await text('[data-testid=pred-shares]');
    // what is drawn (the map refined to the picture's edges), largest first
    const m = /^\s*(\d+) % circle\s*·\s*(\d+) % background\s*$/.exec(shares);
    expect(m, shares).not.toBeNull();
    expect(Number(m![1]) + Number(m![2])).toBeGreaterThanOrEqual(99);
    expect(Number(m![1])).toBeGreaterThan(60);
    await page.screenshot({ path: shot('seg-first-hour-shares') });
    // the uncertainty map says what its colours mean
    await page.keyboard.press('u');
    await page.waitForSelector('[data-testid=heat-legend]');
    expect(await text('[data-testid=heat-legend]')).toContain('unsure');
    await page.keyboard.press('u');
  });

  it('asks twice before Enter accepts a very uncertain map', async () => {
    await page.keyboard.press('d');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#3');
    await send(
      3,
      map(4, 3, () => 1, 0.3),
      4,
      3,
    );
    expect(await text('[data-testid=pred-confidence]')).toContain('very uncertain');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await toasts()).some((t) => t.includes('very uncertain')), 3000, 'the warning');
    await page.waitForTimeout(3500); // past the autosave: nothing was accepted
    expect(await mask(3)).toBeNull();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=save-state]')?.textContent !== '',
      undefined,
      { timeout: 5000 },
    );
    await waitFor(async () => !!(await mask(3)), 8000, 'the accepted map saved');
    expect((await mask(3))!.every((v) => v === classes[1].id)).toBe(true);
  });

  it('recolours a predicted region by pointing at it and pressing a class key; z undoes it and says so', async () => {
    await page.keyboard.press('d');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#4');
    // the shape traced right but called "circle" (its true class is another): the demo's own mask, coarse
    const truth = await sharp(join(ROOT, '.tmp', 'demo-8', 'masks', 'img-0004.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const tw = truth.info.width,
      ch = truth.info.channels,
      shape = (x: number, y: number) => truth.data[(y * tw + x) * ch] > 0;
    const cw = 80,
      chh = 60;
    await send(
      4,
      map(
        cw,
        chh,
        (x, y) => (shape(Math.floor(((x + 0.5) * W) / cw), Math.floor(((y + 0.5) * H) / chh)) ? 1 : 0),
        0.95,
      ),
      cw,
      chh,
    );
    await page.keyboard.press('Enter');
    await page.keyboard.press('t');
    await page.waitForSelector('[data-testid=region-help]');
    let sx = 0,
      sy = 0,
      n = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        if (shape(x, y)) {
          sx += x;
          sy += y;
          n++;
        }
    const c = { x: Math.round(sx / n), y: Math.round(sy / n) };
    expect(shape(c.x, c.y)).toBe(true);
    const p = await at(c.x, c.y);
    await page.mouse.move(p.x, p.y);
    await page.keyboard.press('3'); // triangle
    await waitFor(
      async () => (await toasts()).some((t) => /recoloured [\d,]+ px predicted circle as triangle/.test(t)),
      3000,
      'the recolour toast',
    );
    await page.waitForFunction(
      () => document.querySelector('[data-testid=save-state]')?.textContent === 'all changes saved',
      undefined,
      { timeout: 8000 },
    );
    const m = (await mask(4))!;
    let inShape = 0,
      tri = 0;
    for (let i = 0; i < W * H; i++)
      if (shape(i % W, Math.floor(i / W))) {
        inShape++;
        if (m[i] === classes[3].id) tri++;
      }
    expect(tri / inShape, 'share of the shape recoloured').toBeGreaterThan(0.9);
    expect(m[5 * W + 5]).toBe(classes[0].id);
    // the disagreement view: its count and its magenta say the same
    await page.keyboard.press('x');
    await page.waitForSelector('[data-testid=diff-stats]');
    expect(await text('[data-testid=diff-stats]')).toMatch(/^[1-9][\d,]* of your 76,800 labelled pixels/);
    expect(magenta(await pixels())).toBeGreaterThan(1000);
    await page.keyboard.press('z');
    await waitFor(async () => (await toasts()).some((t) => t === 'undone: region recolour'), 3000, 'the undo toast');
    // the note sits over the image, not over the side panel and its accept button
    const toast = (await page.locator('[data-testid=toast]').last().boundingBox())!,
      side = (await page.locator('.side').boundingBox())!;
    expect(toast.x + toast.width, 'the toast ends left of the side panel').toBeLessThanOrEqual(side.x);
    await waitFor(
      async () => (await text('[data-testid=diff-stats]')).startsWith('0 of your'),
      3000,
      'no disagreement after the undo',
    );
    expect(magenta(await pixels())).toBe(0);
    await page.keyboard.press('x');
    await page.keyboard.press('b');
  });

  it('a class coloured magenta does not read as disagreement', async () => {
    await api(app.url, `/api/classes/${classes[1].id}`, {
      method: 'PATCH',
      body: JSON.stringify({ color: '#f032e6' }),
    });
    await page.keyboard.press('d');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#5');
    await send(
      5,
      map(8, 6, (x, y) => (x > 2 && x < 6 && y > 1 && y < 5 ? 1 : 0), 0.95),
      8,
      6,
    );
    await page.keyboard.press('Enter');
    await page.keyboard.press('x');
    await page.waitForSelector('[data-testid=diff-stats]');
    expect(await text('[data-testid=diff-stats]')).toMatch(/^0 of your 76,800 labelled pixels/);
    expect(magenta(await pixels())).toBe(0);
    await page.screenshot({ path: shot('seg-first-hour-diff') });
    await page.keyboard.press('x');
  });

  it("lists the keys of this session's classes only, by name, background on 0", async () => {
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=keys-overlay]');
    const rows = await page.$$eval('[data-testid=keys-overlay] tr', (r) => r.map((x) => x.textContent ?? ''));
    expect(rows).toContain('Paint with “background”0');
    expect(rows).toContain('Paint with “circle”1');
    expect(rows).toContain('Paint with “star”4');
    expect(rows.some((r) => /class [5-9]/.test(r))).toBe(false);
    await page.keyboard.press('Escape');
  });

  it('says on a val-side image that its mask trains the model and is scored without it', async () => {
    await page.goto(app.url + '/segmentation?id=3');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#3');
    const title = await page.getAttribute('[data-testid=val-side]', 'title');
    expect(title).toContain('its mask trains the model you label with');
    expect(title).not.toContain('never trains');
  });

  it('the Stats headers keep apart at 1024 px', async () => {
    await page.setViewportSize({ width: 1024, height: 760 });
    await page.keyboard.press('Shift+S');
    await page.waitForSelector('[data-testid=seg-counts] th');
    const heads = await page.$$eval('[data-testid=seg-counts] th', (ths) =>
      ths
        .map((th) => {
          const r = document.createRange();
          r.selectNodeContents(th);
          const b = r.getBoundingClientRect();
          return { text: th.textContent ?? '', left: b.left, right: b.right };
        })
        .filter((h) => h.text),
    );
    for (let i = 1; i < heads.length; i++)
      expect(
        heads[i].left - heads[i - 1].right,
        `"${heads[i - 1].text}" and "${heads[i].text}" apart`,
      ).toBeGreaterThanOrEqual(6);
    await page.screenshot({ path: shot('seg-stats-1024') });
  });
});
