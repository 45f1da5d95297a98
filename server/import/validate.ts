// Validates one file with sharp and makes its thumbnail in the same pass. metadata() only parses the
// header (a truncated file passes it), so the thumbnail pipeline doubles as the full decode: with
// failOn 'warning' libjpeg's "premature end" / libpng's read errors reject the file. JPEG shrink-on-load
// still walks the whole entropy-coded stream, so truncation is caught at a fraction of a full decode.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { makeThumb, THUMB_SIZE } from './thumbs.ts';

export type SkipReason = 'missing' | 'unreadable' | 'empty' | 'not-an-image' | 'corrupt' | 'too-large';
/** A file left out of an import: reason is one of a fixed set of categories, detail the underlying message. */
export interface Skip {
  file: string;
  reason: SkipReason;
  detail?: string;
}

export interface Probed {
  file: string;
  /** displayed (EXIF-oriented) size */
  width: number;
  height: number;
  sha256: string;
  bytes: number;
  /** EXIF orientation (1 = upright) and sharp's format name: the file route needs no decode for upright files */
  orientation: number;
  format: string;
  thumb: Buffer;
  /** the file's bytes, only when asked for (copy mode) */
  data?: Buffer;
}

export async function probeImage(
  file: string,
  opts: { keepData?: boolean; thumbSize?: number } = {},
): Promise<Probed | Skip> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      file,
      reason: code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable',
      detail: (e as Error).message,
    };
  }
  if (data.length === 0) return { file, reason: 'empty', detail: 'zero-byte file' };
  let width: number, height: number, orientation: number, format: string;
  try {
    const m = await sharp(data).metadata();
    orientation = m.orientation ?? 1;
    format = m.format ?? 'unknown';
    if (!m.width || !m.height) return { file, reason: 'corrupt', detail: 'no image size in header' };
    const swap = (m.orientation ?? 1) >= 5; // orientations 5–8 rotate by 90°
    width = swap ? m.height : m.width;
    height = swap ? m.width : m.height;
  } catch (e) {
    return { file, reason: classify(e as Error, 'not-an-image'), detail: (e as Error).message };
  }
  const size = opts.thumbSize ?? THUMB_SIZE;
  let thumb: Buffer;
  try {
    thumb = await makeThumb(data, size);
  } catch (e) {
    return { file, reason: classify(e as Error, 'corrupt'), detail: (e as Error).message };
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  return {
    file,
    width,
    height,
    sha256,
    bytes: data.length,
    orientation,
    format,
    thumb,
    data: opts.keepData ? data : undefined,
  };
}

function classify(e: Error, fallback: SkipReason): SkipReason {
  if (/pixel limit/i.test(e.message)) return 'too-large';
  if (/unsupported image format/i.test(e.message)) return 'not-an-image';
  return fallback === 'not-an-image' ? 'corrupt' : fallback;
}

export const isSkip = (r: Probed | Skip): r is Skip => 'reason' in r;
