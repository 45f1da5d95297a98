// Browse's mask thumbnails: your mask, else the model's prediction (refined to the image's edges, the
// way the labelling view shows it), in class colours on transparency, at the thumbnail's size — laid
// over the picture's thumbnail by the browser. Tagged by what they depend on, so revisits are 304s.
import sharp from 'sharp';
import type { Db } from './db/open.ts';
import { THUMB_SIZE } from './import/thumbs.ts';
import { decodeClassMask } from './masks.ts';
import { isSegPrediction, refinedPrediction } from './seg-prediction.ts';
import { getAnnotation, getImage, getPrediction, listClasses } from './store.ts';

const rgb = (hex: string) => {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex);
  const v = m ? parseInt(m[1], 16) : 0x808080;
  return [v >> 16, (v >> 8) & 255, v & 255];
};

export interface MaskThumbPlan {
  etag: string;
  source: 'mask' | 'prediction';
  render(): Promise<Buffer>;
}

/** What the thumbnail would show and its tag (cheap), or null when the image has neither a mask nor a map. */
export function maskThumbPlan(db: Db, id: number): MaskThumbPlan | null {
  const img = getImage(db, id),
    a = getAnnotation(db, id),
    p = getPrediction(db, id);
  const classes = listClasses(db);
  const colours = new Map(classes.map((k) => [k.id, rgb(k.color)]));
  const palette = classes
    .map((k) => `${k.id}${k.color}`)
    .join('')
    .replace(/[^0-9a-z]/gi, '')
    .slice(0, 40);
  const s = Math.min(1, THUMB_SIZE / Math.max(img.width, img.height));
  const width = Math.max(1, Math.round(img.width * s)),
    height = Math.max(1, Math.round(img.height * s));
  const paint = (ids: Uint8Array, w: number, h: number, sample: (x: number, y: number) => number) => {
    const out = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const c = colours.get(ids[sample(x, y)]);
        if (!c) continue;
        const o = (y * width + x) * 4;
        out[o] = c[0];
        out[o + 1] = c[1];
        out[o + 2] = c[2];
        out[o + 3] = 255;
      }
    return sharp(out, { raw: { width, height, channels: 4 } })
      .png({ compressionLevel: 6 })
      .toBuffer();
  };
  if (a?.mask) {
    const blob = Buffer.from(a.mask);
    return {
      etag: `"m${a.updatedAt}-${blob.length}-${palette}"`,
      source: 'mask',
      async render() {
        const m = await decodeClassMask(blob);
        // nearest pixel of the full mask for each thumbnail pixel (its centre)
        return paint(
          m.data,
          m.width,
          m.height,
          (x, y) =>
            Math.min(m.height - 1, Math.floor(((y + 0.5) * m.height) / height)) * m.width +
            Math.min(m.width - 1, Math.floor(((x + 0.5) * m.width) / width)),
        );
      },
    };
  }
  if (isSegPrediction(p)) {
    return {
      etag: `"p${p.modelVersion}-${p.at}-${palette}"`,
      source: 'prediction',
      async render() {
        const r = await refinedPrediction(img, p, { width, height });
        return paint(r.data, width, height, (x, y) => y * width + x);
      },
    };
  }
  return null;
}
