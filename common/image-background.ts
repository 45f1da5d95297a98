// Transparent images (PNG, WebP, GIF, … with an alpha channel) are composited onto one background before
// anything reads their pixels: the embedding the model learns from, thumbnails, uploads to POST
// /api/predict, `hilt predict` and an exported model's preprocessing all see the same picture. The
// background is white: a dark shape on a transparent canvas stays visible, as most viewers show it.
import type { Sharp } from 'sharp';

/** what shows through transparent pixels, everywhere */
export const IMAGE_BACKGROUND = { r: 255, g: 255, b: 255 } as const;
export const IMAGE_BACKGROUND_HEX = '#ffffff';

/** The image composited onto IMAGE_BACKGROUND, alpha channel dropped (an opaque image is unchanged).
 *  sharp flattens before it resizes, wherever in the chain this is called. */
export function onBackground(img: Sharp): Sharp {
  return img.flatten({ background: IMAGE_BACKGROUND });
}
