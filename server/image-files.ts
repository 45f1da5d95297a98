// The bytes of GET /api/images/:id/file, and of every other read of an image's file (thumbnails, the
// refined prediction): only the bytes imported (security/imported-file.ts), else a JSON 410 or 409.
// Orientation and format are read at import (images.orientation, images.format), so an upright
// JPEG/PNG/WebP/GIF is sent as read, without decoding; only a rotated one, or a format browsers do not
// all show, is decoded and re-encoded. Rows imported before these columns existed are looked up once,
// from the file's header, and remembered.
import sharp from 'sharp';
import type { Db } from './db/open.ts';
import { stmt } from './db/prepared.ts';
import type { ImageRow } from './db/schema.ts';
import { AppError } from './errors.ts';
import { FileRefused, readImported } from '../common/imported-file.ts';

const MIME: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

export type FileBody = { body: Uint8Array<ArrayBuffer>; type: string; length?: number };

/** The image's file as imported, or 410 file_missing / 409 file_changed. */
export async function imageBytes(img: ImageRow): Promise<Buffer> {
  try {
    return await readImported(img);
  } catch (e) {
    if (e instanceof FileRefused)
      throw new AppError(
        e.why === 'missing' ? 410 : 409,
        e.why === 'missing' ? 'file_missing' : 'file_changed',
        e.message,
      );
    throw e;
  }
}

// a Buffer's own memory (never a SharedArrayBuffer here), not a copy
const bytesOf = (buf: Buffer) => new Uint8Array(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength);

export async function imageFileBody(db: Db, img: ImageRow): Promise<FileBody> {
  const data = await imageBytes(img);
  let { orientation, format } = img;
  if (orientation === null || format === null) {
    const meta = await sharp(data)
      .metadata()
      .catch(() => null);
    if (!meta) throw new AppError(422, 'unreadable_image', `image ${img.id} can no longer be decoded`);
    orientation = meta.orientation ?? 1;
    format = meta.format ?? 'unknown';
    stmt(db, 'update images set orientation = ?, format = ? where id = ?').run(orientation, format, img.id);
  }
  if (orientation > 1 || !MIME[format]) {
    // browsers mostly honour EXIF but not everywhere, and not every format: send upright bytes
    const buf = await sharp(data)
      .rotate()
      .jpeg({ quality: 92 })
      .toBuffer()
      .catch(() => null);
    if (!buf) throw new AppError(422, 'unreadable_image', `image ${img.id} can no longer be decoded`);
    return { body: bytesOf(buf), type: 'image/jpeg' };
  }
  return { body: bytesOf(data), type: MIME[format], length: data.length };
}
