// The image's own pixels at a given size, for the refinement (its guide) and the superpixels: drawn once
// into a canvas and read back (same-origin, so never tainted), cached per image element and size.
import type { Guide } from '../../../common/seg/refine.ts';
import { IMAGE_BACKGROUND_HEX } from '../../../common/image-background.ts';

const cache = new WeakMap<HTMLImageElement, Map<string, Guide>>();

/** RGBA pixels of `img` resized to w×h by the browser, or null while the image is not decoded. */
export function imagePixels(img: HTMLImageElement, w: number, h: number): Guide | null {
  if (!img.complete || !img.naturalWidth) return null;
  let sizes = cache.get(img);
  if (!sizes) cache.set(img, (sizes = new Map()));
  const key = `${w}x${h}`;
  let g = sizes.get(key);
  if (!g) {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d', { willReadFrequently: true })!;
    // transparent pixels read as the one background the server and the trainer use, too
    ctx.fillStyle = IMAGE_BACKGROUND_HEX;
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(img, 0, 0, w, h);
    g = { data: ctx.getImageData(0, 0, w, h).data, width: w, height: h, channels: 4 };
    // a full-size copy is kept only while it is the one asked for (Enter on a large photo)
    if (sizes.size > 2) sizes.clear();
    sizes.set(key, g);
  }
  return g;
}
