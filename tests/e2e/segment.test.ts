// Segmentation in real Chromium against the real server: strokes saved and surviving reloads,
// undo/redo, eraser, points, polygon, and a predicted map pushed over the socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { CANVAS_ONLY, api, fakeTrainer, launch, shot, startApp, waitFor, type App } from './helpers.ts';
import { decodeIndexPng } from '../../web/src/seg/png.ts';
import { fitView, toScreen } from '../../web/src/seg/view.ts';
import { encodeBase64 } from '../../web/src/seg/overlay-math.ts';

let app: App;
let browser: Browser;
let page: Page;
let classes: { id: number; name: string }[] = [];
const W = 320,
  H = 240;

async function mask(id: number): Promise<Uint8Array | null> {
  const r = await fetch(`${app.url}/api/images/${id}/mask`);
  if (r.status === 404) return null;
  const m = await decodeIndexPng(new Uint8Array(await r.arrayBuffer()), async (d) => new Uint8Array(inflateSync(d)));
  expect([m.width, m.height]).toEqual([W, H]);
  return m.data;
}
/** Page coordinates of an image pixel, from the canvas box and the editor's fit-to-view rule. */
async function at(x: number, y: number) {
  const box = (await page.locator('[data-testid=seg-canvas]').boundingBox())!;
  const p = toScreen(fitView(W, H, box.width, box.height), x, y);
  return { x: box.x + p.x, y: box.y + p.y };
}
async function stroke(pts: [number, number][], steps = 3) {
  const first = await at(...pts[0]);
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (const p of pts.slice(1)) {
    const q = await at(...p);
    await page.mouse.move(q.x, q.y, { steps });
  }
  await page.mouse.up();
}
const waitImage = (id: number) =>
  page.waitForFunction((id) => document.querySelector('[data-testid=image-id]')?.textContent === `#${id}`, id);
const saved = () =>
  page.waitForFunction(
    () => document.querySelector('[data-testid=save-state]')?.textContent === 'all changes saved',
    undefined,
    { timeout: 8000 },
  );
const canvasShot = async () => {
  await page.mouse.move(5, 5);
  await page.waitForTimeout(50);
  return page.locator('[data-testid=seg-canvas]').screenshot(CANVAS_ONLY);
};
/** Pixels that differ visibly between two screenshots (rounded-corner antialiasing varies by a unit or so). */
async function differing(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((p) => sharp(p).raw().toBuffer()));
  if (x.length !== y.length) return Infinity;
  let n = 0;
  for (let i = 0; i < x.length; i += 3)
    if (Math.abs(x[i] - y[i]) + Math.abs(x[i + 1] - y[i + 1]) + Math.abs(x[i + 2] - y[i + 2]) > 12) n++;
  return n;
}
const same = async (a: Buffer, b: Buffer) => (await differing(a, b)) < 20;
const looksLike = async (png: Buffer, what: string) => {
  let last = png;
  try {
    await waitFor(async () => same((last = await canvasShot()), png), 3000, what);
  } catch (e) {
    // keep both pictures for a look
    writeFileSync(shot('mismatch-expected'), png);
    writeFileSync(shot('mismatch-actual'), last);
    throw e;
  }
};
const along = (m: Uint8Array, a: [number, number], b: [number, number]) => {
  const vals: number[] = [];
  for (let k = 0; k <= 100; k++)
    vals.push(m[Math.floor(a[1] + ((b[1] - a[1]) * k) / 100) * W + Math.floor(a[0] + ((b[0] - a[0]) * k) / 100)]);
  return vals;
};

beforeAll(async () => {
  app = await startApp({ count: 12 });
  browser = await launch();
  page = await browser.newPage({ bypassCSP: true, viewport: { width: 1360, height: 860 } });
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
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

describe('segmentation (e2e, Chromium)', () => {
  it('saves brush strokes (gap-free at zoom) and they survive a reload', async () => {
    expect(classes.map((k) => k.name)).toEqual(['background', 'circle', 'square', 'triangle', 'star']);
    await page.keyboard.press('1'); // circle (background is 0)
    await page.keyboard.press('b');
    // a long, fast stroke: few pointer events far apart must still paint a continuous band
    await stroke(
      [
        [20, 30],
        [300, 200],
      ],
      2,
    );
    await saved();
    const m = (await mask(1))!;
    expect(along(m, [20, 30], [300, 200]).every((v) => v === classes[1].id)).toBe(true);
    const before = await canvasShot();
    await page.screenshot({ path: shot('segmentation-brush') });
    await page.reload();
    await waitImage(1);
    // the same pixels once the image and its saved mask are drawn again
    await looksLike(before, 'the stroke drawn again after the reload');
    // nothing to save after the reload: no status until this page saves something
    expect(await page.textContent('[data-testid=save-state]')).toBe('');
  });

  it('never loses paint on a reload straight after a stroke (local draft, then saved)', async () => {
    await page.keyboard.press('d');
    await waitImage(2);
    await page.keyboard.press('2'); // square
    await stroke(
      [
        [40, 200],
        [280, 40],
      ],
      2,
    );
    await page.reload(); // no waiting for the autosave
    await waitImage(2);
    // the whole stroke (an autosave during the stroke may have put part of it there first)
    await waitFor(
      async () => {
        const m = await mask(2);
        return !!m && along(m, [40, 200], [280, 40]).every((v) => v === classes[2].id);
      },
      8000,
      'the drafted stroke on the server',
    );
  });

  it('zooms, undoes and redoes, erases', async () => {
    await page.keyboard.press('=');
    await page.keyboard.press('=');
    await page.keyboard.press('v'); // back to fit, so image coordinates below still hold
    const before = await canvasShot();
    await page.keyboard.press('2'); // square (the chosen class is per page load)
    await stroke(
      [
        [60, 60],
        [260, 60],
      ],
      2,
    );
    const painted = await canvasShot();
    expect(await differing(painted, before)).toBeGreaterThan(500);
    await page.keyboard.press('z');
    await looksLike(before, 'the canvas as before the stroke (undo)');
    await page.keyboard.press('Shift+Z');
    await looksLike(painted, 'the stroke back (redo)');
    await page.keyboard.press('e');
    for (let i = 0; i < 4; i++) await page.keyboard.press(']');
    await stroke(
      [
        [20, 220],
        [300, 20],
      ],
      2,
    );
    await saved();
    const m = (await mask(2))!;
    expect(along(m, [20, 220], [300, 20]).every((v) => v === 0)).toBe(true);
    expect(m[60 * W + 62]).toBe(classes[2].id); // the horizontal stroke's end, away from the eraser
    await page.keyboard.press('b');
  });

  it('adds points and fills polygons', async () => {
    await page.keyboard.press('p');
    await page.keyboard.press('3'); // triangle
    const q = await at(100, 100);
    await page.mouse.click(q.x, q.y);
    await page.keyboard.press('f');
    for (const [x, y] of [
      [150, 40],
      [250, 40],
      [250, 140],
    ] as [number, number][]) {
      const v = await at(x, y);
      await page.mouse.click(v.x, v.y);
    }
    await page.keyboard.press('Enter');
    await saved();
    const a = await api<{ annotation: { points: { classId: number; x: number; y: number }[] } }>(
      app.url,
      '/api/images/2',
    );
    expect(a.annotation.points).toHaveLength(1);
    expect(a.annotation.points[0].classId).toBe(classes[3].id);
    expect(Math.abs(a.annotation.points[0].x - 100)).toBeLessThan(1.5);
    const m = (await mask(2))!;
    expect(m[60 * W + 230]).toBe(classes[3].id); // inside the triangle
    expect(m[130 * W + 160]).toBe(0); // outside it
    await page.screenshot({ path: shot('segmentation-tools') });
  });

  it('draws a predicted map pushed over the socket; o toggles it, u shows uncertainty, Enter accepts it', async () => {
    await page.keyboard.press('d');
    await waitImage(3);
    const trainer = await fakeTrainer(app.url);
    try {
      // 2 classes on an 8×6 grid: circle on the left half, background on the right, unsure in between
      const w = 8,
        h = 6,
        ids = [classes[0].id, classes[1].id];
      const map = new Uint8Array(2 * w * h);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const p = x < 3 ? 230 : x > 4 ? 20 : 125;
          map[w * h + y * w + x] = p;
          map[y * w + x] = 255 - p;
        }
      const plain = await canvasShot();
      trainer.send({
        type: 'predictions',
        modelVersion: 1,
        items: [
          { imageId: 3, classId: ids[1], classIds: ids, width: w, height: h, map: encodeBase64(map), uncertainty: 0.4 },
        ],
      });
      await page.waitForSelector('text=Use the prediction as the mask');
      await page.waitForTimeout(100);
      const withOverlay = await canvasShot();
      expect(await differing(withOverlay, plain)).toBeGreaterThan(500);
      await page.screenshot({ path: shot('segmentation-overlay') });
      await page.keyboard.press('o');
      await looksLike(plain, 'the overlay hidden');
      await page.keyboard.press('o');
      await page.keyboard.press('u');
      await page.waitForTimeout(100);
      await page.screenshot({ path: shot('segmentation-uncertainty') });
      await page.keyboard.press('u');
      await page.keyboard.press('Enter');
      await saved();
      const m = (await mask(3))!;
      expect(m[120 * W + 10]).toBe(classes[1].id);
      expect(m[120 * W + 310]).toBe(classes[0].id);
    } finally {
      trainer.close();
    }
  });

  it('says when it is offline, and reconnects by itself', async () => {
    await app.stop();
    await page.waitForSelector('[data-testid=offline-banner]', { timeout: 8000 });
    await page.screenshot({ path: shot('offline') });
    await app.restart();
    await page.waitForSelector('[data-testid=offline-banner]', { state: 'detached', timeout: 15000 });
    // and the app works again: next image by key
    await page.keyboard.press('d');
    await waitImage(4);
  });
});
