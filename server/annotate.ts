// Writing annotations: validation per task, the events log (undo, live accuracy, audit), fan-out.
import { eq } from 'drizzle-orm';
import type { Ctx } from './context.ts';
import { annotations, events } from './db/schema.ts';
import { prepared, stmt } from './db/prepared.ts';
import type { Db } from './db/open.ts';
import type { AnnotationRow } from './db/schema.ts';
import { AppError } from './errors.ts';
import { decodeClassMask, encodeClassMask as encodeMaskPng } from './masks.ts';
import { isSegPrediction, refinedPrediction } from './seg-prediction.ts';
import { decodeMaskChecked } from './security/decode.ts';
import { getTask } from './session.ts';
import { counts } from './counters.ts';
import { annotationMsg, getAnnotation, getClass, getImage, getPrediction, listClasses, requireTask } from './store.ts';
import type { AnnotationMsg } from './protocol.ts';

export type AnnotationInput =
  | { kind: 'label'; classId: number }
  | { kind: 'skip' }
  | { kind: 'mask'; points?: { classId: number; x: number; y: number }[]; mask?: string | null };

/** Raw upsert: drizzle cannot prepare an upsert whose values are placeholders of a JSON/blob column. */
function upsertAnnotation(db: Db, r: AnnotationRow): void {
  stmt(db, `insert into annotations (image_id, kind, class_id, points, mask, annotator, updated_at) values (?, ?, ?, ?, ?, ?, ?)
    on conflict(image_id) do update set kind = excluded.kind, class_id = excluded.class_id, points = excluded.points,
    mask = excluded.mask, annotator = excluded.annotator, updated_at = excluded.updated_at`)
    .run(r.imageId, r.kind, r.classId, r.points ? JSON.stringify(r.points) : null, r.mask, r.annotator, r.updatedAt);
}

function snapshot(a: AnnotationRow | undefined): string | null {
  return a ? JSON.stringify({ ...a, mask: a.mask ? Buffer.from(a.mask).toString('base64') : null }) : null;
}

export async function setAnnotation(ctx: Ctx, imageId: number, input: unknown, annotator: string, accepted = false): Promise<AnnotationMsg> {
  const db = ctx.session.db;
  const img = getImage(db, imageId);
  if (!input || typeof input !== 'object') throw new AppError(400, 'invalid_annotation', 'annotation must be an object with a kind');
  const body = input as Record<string, unknown>;
  const now = Date.now();
  let row: AnnotationRow;
  if (body.kind === 'label' || body.kind === 'skip') {
    requireTask(db, 'classification');
    let classId: number | null = null;
    if (body.kind === 'label') {
      if (typeof body.classId !== 'number' || !Number.isInteger(body.classId)) throw new AppError(400, 'invalid_annotation', 'a label needs an integer classId');
      classId = getClass(db, body.classId).id;
    }
    row = { imageId, kind: body.kind, classId, points: null, mask: null, annotator, updatedAt: now };
  } else if (body.kind === 'mask') {
    requireTask(db, 'segmentation');
    const known = new Set(listClasses(db).map((k) => k.id));
    const points = body.points ?? [];
    if (!Array.isArray(points) || points.length > 10000) throw new AppError(400, 'invalid_annotation', 'points must be an array (at most 10000)');
    for (const p of points) {
      if (!p || typeof p !== 'object' || !known.has(p.classId) || typeof p.x !== 'number' || typeof p.y !== 'number' ||
        !(p.x >= 0 && p.x <= img.width && p.y >= 0 && p.y <= img.height)) {
        throw new AppError(400, 'invalid_annotation', `each point needs a known classId and x,y inside the ${img.width}×${img.height} image`);
      }
    }
    let mask: Buffer | null = null;
    if (body.mask !== undefined && body.mask !== null) {
      if (typeof body.mask !== 'string') throw new AppError(400, 'invalid_annotation', 'mask must be a base64 PNG string');
      // the header is checked against the image before anything is decoded (a small PNG can declare 16000×16000)
      const m = await decodeMaskChecked(Buffer.from(body.mask, 'base64'), img);
      let any = false;
      for (let i = 0; i < m.data.length; i++) {
        const v = m.data[i];
        if (v !== 0) { any = true; if (!known.has(v)) throw new AppError(400, 'invalid_annotation', `mask pixel value ${v} is not a class id`); }
      }
      mask = any ? await encodeMaskPng(m) : null;
    }
    row = { imageId, kind: 'mask', classId: null, points: points as AnnotationRow['points'], mask, annotator, updatedAt: now };
  } else {
    throw new AppError(400, 'invalid_annotation', 'kind must be "label", "skip" or "mask"');
  }
  const before = getAnnotation(db, imageId);
  const shown = getPrediction(db, imageId);
  const q = prepared(db);
  db.$client.transaction(() => {
    upsertAnnotation(db, row);
    q.insertEvent.run({
      imageId, type: accepted ? 'accept' : 'set', annotator, classId: row.classId,
      predictedClassId: row.kind === 'label' ? shown?.classId ?? null : null, before: snapshot(before), at: now,
    });
    q.deleteClaim.run({ id: imageId });
  })();
  const msg = annotationMsg(row)!;
  ctx.bus.emit('browser', { type: 'annotation', imageId, annotation: msg, counts: counts(db) });
  ctx.bus.emit('trainer', { type: 'annotation', imageId, annotation: msg });
  return msg;
}

export function deleteAnnotation(ctx: Ctx, imageId: number, annotator: string): AnnotationMsg | null {
  const db = ctx.session.db;
  getImage(db, imageId);
  const before = getAnnotation(db, imageId);
  if (before) {
    db.transaction((tx) => {
      tx.delete(annotations).where(eq(annotations.imageId, imageId)).run();
      tx.insert(events).values({ imageId, type: 'delete', annotator, before: snapshot(before), at: Date.now() }).run();
    });
    ctx.bus.emit('browser', { type: 'annotation', imageId, annotation: null, counts: counts(db) });
    ctx.bus.emit('trainer', { type: 'annotation', imageId, annotation: null });
  }
  return annotationMsg(before);
}

/**
 * Accept the stored prediction: its top class, or its map refined to the image's edges as the mask. Your own
 * work wins: pixels already painted keep their class and points stay; the prediction fills the rest.
 * `seen` is the model version the annotator was shown: a prediction refreshed since is not accepted unseen.
 */
export async function acceptPrediction(ctx: Ctx, imageId: number, annotator: string, seen?: number): Promise<AnnotationMsg> {
  const db = ctx.session.db;
  const img = getImage(db, imageId);
  const p = getPrediction(db, imageId);
  if (!p) throw new AppError(409, 'no_prediction', `there is no prediction for image ${imageId} yet`);
  if (seen !== undefined && p.modelVersion !== seen) {
    throw new AppError(409, 'stale_prediction', `the prediction for image ${imageId} changed (model v${seen} → v${p.modelVersion}); look at the new one before accepting it`);
  }
  if (!isSegPrediction(p)) {
    // a segmentation image's map arrives when it is looked at (focused); the pool gets class and uncertainty only
    if (getTask(db) === 'segmentation') throw new AppError(409, 'no_prediction', `the predicted map of image ${imageId} has not arrived yet`);
    if (p.classId === null) throw new AppError(409, 'no_prediction', `the prediction for image ${imageId} has no class`);
    return setAnnotation(ctx, imageId, { kind: 'label', classId: p.classId }, annotator, true);
  }
  const before = getAnnotation(db, imageId);
  const mine = before?.mask ? (await decodeClassMask(Buffer.from(before.mask))).data : null;
  // your strokes are evidence for the rest of the image, and they stay as they are
  const refined = await refinedPrediction(img, p, undefined, mine);
  if (refined.width !== img.width || refined.height !== img.height) {
    throw new AppError(409, 'image_changed', `image ${imageId} decodes to ${refined.width}×${refined.height}, not the ${img.width}×${img.height} it was imported as`);
  }
  const mask = refined.data;
  if (mine) for (let i = 0; i < mask.length; i++) if (mine[i]) mask[i] = mine[i];
  const png = await encodeMaskPng({ data: mask, width: img.width, height: img.height });
  return setAnnotation(ctx, imageId, { kind: 'mask', points: before?.points ?? [], mask: png.toString('base64') }, annotator, true);
}
