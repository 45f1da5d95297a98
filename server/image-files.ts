// The bytes of GET /api/images/:id/file. Orientation and format are read at import (images.orientation,
// images.format), so an upright JPEG/PNG/WebP/GIF is streamed from disk without decoding; only a rotated
// one, or a format browsers do not all show, is decoded and re-encoded. Rows imported before these
// columns existed are looked up once, from the file's header, and remembered.
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import type { Db } from './db/open.ts';
import { stmt } from './db/prepared.ts';
import type { ImageRow } from './db/schema.ts';
import { AppError } from './errors.ts';

const MIME: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

export type FileBody = { body: ReadableStream | Uint8Array<ArrayBuffer>; type: string; length?: number };

export async function imageFileBody(db: Db, img: ImageRow): Promise<FileBody> {
  let { orientation, format } = img;
  if (orientation === null || format === null) {
    const meta = await sharp(img.path).metadata().catch(() => null);
    if (!meta) throw new AppError(422, 'unreadable_image', `image ${img.id} can no longer be decoded`);
    orientation = meta.orientation ?? 1; format = meta.format ?? 'unknown';
    stmt(db, 'update images set orientation = ?, format = ? where id = ?').run(orientation, format, img.id);
  }
  if (orientation > 1 || !MIME[format]) {
    // browsers mostly honour EXIF but not everywhere, and not every format: send upright bytes
    const buf = await sharp(img.path).rotate().jpeg({ quality: 92 }).toBuffer().catch(() => null);
    if (!buf) throw new AppError(422, 'unreadable_image', `image ${img.id} can no longer be decoded`);
    return { body: new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), type: 'image/jpeg' };
  }
  return { body: Readable.toWeb(createReadStream(img.path)) as ReadableStream, type: MIME[format], length: statSync(img.path).size };
}
