// Segmentation e2e helpers: a stored mask as class indices, and where an image point lies on the screen.
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { decodeIndexPng } from '../../web/src/seg/png.ts';
import { fitView, toScreen } from '../../web/src/seg/view.ts';

/** The image's saved mask (class index per pixel), or null when it has none. */
export async function savedMask(url: string, image: number): Promise<Uint8Array | null> {
  const r = await fetch(`${url}/api/images/${image}/mask`);
  if (r.status === 404) return null;
  return (await decodeIndexPng(new Uint8Array(await r.arrayBuffer()), async (d) => new Uint8Array(inflateSync(d))))
    .data;
}

/** Page coordinates of image pixel (x, y) on the segmentation canvas, the image W×H fitted to it. */
export async function canvasPoint(
  page: Page,
  W: number,
  H: number,
  x: number,
  y: number,
): Promise<{ x: number; y: number }> {
  const box = (await page.locator('[data-testid=seg-canvas]').boundingBox())!;
  const p = toScreen(fitView(W, H, box.width, box.height), x, y);
  return { x: box.x + p.x, y: box.y + p.y };
}
