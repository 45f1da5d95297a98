// A stored segmentation prediction taken to full resolution the way the browser shows it: the patch-grid
// probabilities refined against the image's own pixels (common/seg/refine.ts, the same pure code the
// overlay and Enter run), so accepting through the API gives the mask the annotator saw.
import sharp from 'sharp';
import { onBackground } from '../common/image-background.ts';
import type { ImageRow, PredictionRow } from './db/schema.ts';
import { AppError } from './errors.ts';
import { imageBytes } from './image-files.ts';
import { refineMap } from '../common/seg/refine.ts';
import { hintsFrom } from '../common/seg/hints.ts';

export interface SegPredictionRow {
  map: Buffer;
  mapClassIds: number[];
  mapWidth: number;
  mapHeight: number;
}
export const isSegPrediction = (p: PredictionRow | undefined): p is PredictionRow & SegPredictionRow =>
  !!p?.map && !!p.mapClassIds && !!p.mapWidth && !!p.mapHeight;

/** The image's pixels, upright (EXIF), RGB (transparency on the shared background), at its full size or resized to w×h. */
export async function imageRgb(
  img: ImageRow,
  size?: { width: number; height: number },
): Promise<{ data: Uint8Array; width: number; height: number }> {
  let s = onBackground(sharp(await imageBytes(img), { autoOrient: true, limitInputPixels: 1e9 }));
  if (size) s = s.resize(size.width, size.height, { fit: 'fill' });
  const { data, info } = await s
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch(() => {
      throw new AppError(422, 'unreadable_image', `image ${img.id} can no longer be decoded`);
    });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

/** Class ids per pixel of the refined prediction (full size, or w×h for a thumbnail). `mine`: your mask
 *  (class ids, full size), whose strokes the refinement takes as evidence, as the browser does. */
export async function refinedPrediction(
  img: ImageRow,
  p: SegPredictionRow,
  size?: { width: number; height: number },
  mine?: Uint8Array | null,
): Promise<{ data: Uint8Array; width: number; height: number }> {
  const px = await imageRgb(img, size);
  const hints = mine ? hintsFrom(mine, img.width, img.height, p.mapClassIds, px.width, px.height) : null;
  const u = refineMap(
    new Uint8Array(p.map),
    p.mapClassIds.length,
    p.mapHeight,
    p.mapWidth,
    { ...px, channels: 3 },
    {},
    hints,
  );
  const out = new Uint8Array(u.idx.length);
  for (let i = 0; i < out.length; i++) out[i] = p.mapClassIds[u.idx[i]] ?? 0;
  return { data: out, width: px.width, height: px.height };
}
