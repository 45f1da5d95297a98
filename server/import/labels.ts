// Writing what an import brings besides images: classes (created by name, colours from a fixed palette,
// appended), classification labels and class-index masks, each with an events row (annotator 'import').
// Existing annotations are never overwritten: an import must not undo a person's work.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/open.ts';
import { annotations, classes, events } from '../db/schema.ts';
import { encodeClassMask, polygonsToMask, rleCounts, rleDecode, type Rle } from '../masks.ts';
import type { CocoAnn } from './sources.ts';

import { PALETTE } from '../../common/class-names.ts';

export const IMPORT_ANNOTATOR = 'import';

/** Class id per name, creating the missing ones (a preferred id is used when free, so a COCO round trip
 * keeps category ids = class ids = mask pixel values). Names are matched as the API matches them, without
 * regard to case ('Cat' is the existing 'cat'); they have passed the class-name rule (sources.ts).
 * Call inside a transaction. */
export function ensureClasses(
  db: Db,
  wanted: { name: string; preferId?: number }[],
  created: string[],
): Map<string, number> {
  const rows = db.select().from(classes).all();
  const byLower = new Map(rows.map((c) => [c.name.toLowerCase(), c.id]));
  const out = new Map<string, number>();
  const usedIds = new Set(rows.map((c) => c.id));
  let pos = rows.reduce((m, c) => Math.max(m, c.position), -1) + 1;
  for (const { name, preferId } of wanted) {
    const have = byLower.get(name.toLowerCase());
    if (have !== undefined) {
      out.set(name, have);
      continue;
    }
    const values = { name, color: PALETTE[pos % PALETTE.length], position: pos };
    const id = preferId && preferId > 0 && !usedIds.has(preferId) ? preferId : undefined;
    const r = db
      .insert(classes)
      .values(id ? { id, ...values } : values)
      .run();
    const newId = id ?? Number(r.lastInsertRowid);
    byLower.set(name.toLowerCase(), newId);
    out.set(name, newId);
    usedIds.add(newId);
    created.push(name);
    pos++;
  }
  return out;
}

function hasAnnotation(db: Db, imageId: number): boolean {
  return !!db.select({ id: annotations.imageId }).from(annotations).where(eq(annotations.imageId, imageId)).get();
}

/** Sets classification labels on images without an annotation; returns how many were set. */
export function writeLabels(db: Db, labels: { imageId: number; classId: number }[]): number {
  let n = 0;
  const at = Date.now();
  for (const { imageId, classId } of labels) {
    if (hasAnnotation(db, imageId)) continue;
    db.insert(annotations)
      .values({ imageId, kind: 'label', classId, annotator: IMPORT_ANNOTATOR, updatedAt: at })
      .run();
    db.insert(events).values({ imageId, type: 'set', annotator: IMPORT_ANNOTATOR, classId, before: null, at }).run();
    n++;
  }
  return n;
}

export function writeMasks(db: Db, masks: { imageId: number; png: Buffer }[]): number {
  let n = 0;
  const at = Date.now();
  for (const { imageId, png } of masks) {
    if (hasAnnotation(db, imageId)) continue;
    db.insert(annotations)
      .values({ imageId, kind: 'mask', classId: null, mask: png, annotator: IMPORT_ANNOTATOR, updatedAt: at })
      .run();
    db.insert(events)
      .values({ imageId, type: 'set', annotator: IMPORT_ANNOTATOR, classId: null, before: null, at })
      .run();
    n++;
  }
  return n;
}

/** Paints COCO annotations (polygons or RLE, in file order: later ones win where they overlap) into a
 * class-index mask of the displayed image size; returns the PNG, or a reason it cannot be made. */
export async function cocoMask(
  anns: CocoAnn[],
  width: number,
  height: number,
  classOf: Map<number, number>,
): Promise<Buffer | string> {
  const data = new Uint8Array(width * height);
  for (const a of anns) {
    const cls = classOf.get(a.categoryId);
    if (!cls) continue;
    if (cls > 255) return `class id ${cls} does not fit an 8-bit mask`;
    let bin: Uint8Array;
    if (Array.isArray(a.segmentation)) bin = polygonsToMask(a.segmentation, width, height);
    else {
      const rle = a.segmentation as Rle;
      if (!Array.isArray(rle.size) || rle.size[0] !== height || rle.size[1] !== width) {
        return `RLE size ${JSON.stringify(rle.size)} is not the image's [${height}, ${width}]`;
      }
      try {
        bin = rleDecode(rleCounts(rle), width, height);
      } catch (e) {
        return `bad RLE: ${(e as Error).message}`;
      }
    }
    for (let i = 0; i < bin.length; i++) if (bin[i]) data[i] = cls;
  }
  return encodeClassMask({ data, width, height });
}
