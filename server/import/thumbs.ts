// Thumbnails: 256 px (long side) WebP at <session>/thumbs/<id>.webp, EXIF-rotated, transparency on the
// shared background. One recipe, used by
// import (where it doubles as the validating decode) and to re-make a thumbnail that has gone missing.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { onBackground } from '../../common/image-background.ts';

export const THUMB_SIZE = 256;

export function thumbPath(sessionDir: string, id: number): string {
  return join(sessionDir, 'thumbs', `${id}.webp`);
}

/** failOn 'warning' makes a truncated or corrupt stream an error instead of a grey-filled picture. */
export function makeThumb(input: Buffer | string, size = THUMB_SIZE): Promise<Buffer> {
  // transparent pixels: the background the model sees too (image-background.ts)
  return (
    onBackground(sharp(input, { failOn: 'warning' }))
      .rotate() // honour EXIF orientation
      // Import is bound by this pipeline (bench/import.ts). The JPEG decoder's shrink-on-load does most of
      // the downscaling, so a linear kernel for the rest looks the same at 256 px and costs ~25% less CPU
      // than lanczos3; WebP effort 1 (default 4) encodes ~3× faster for a few % more bytes.
      .resize(size, size, { fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
      .webp({ quality: 80, effort: 1 })
      .toBuffer()
  );
}

export function writeThumb(sessionDir: string, id: number, thumb: Buffer): void {
  writeFileSync(thumbPath(sessionDir, id), thumb);
}

/** Path of the thumbnail, re-made from the image's bytes if it is missing (e.g. a thumbs/ folder deleted by hand). */
export async function ensureThumb(sessionDir: string, id: number, image: Buffer): Promise<string> {
  const p = thumbPath(sessionDir, id);
  if (!existsSync(p)) {
    mkdirSync(join(sessionDir, 'thumbs'), { recursive: true });
    writeThumb(sessionDir, id, await makeThumb(image));
  }
  return p;
}
