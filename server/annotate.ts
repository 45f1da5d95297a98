// Writing annotations: validation per task (server/tasks/), the events log (undo, live accuracy, audit), fan-out.
import { eq } from 'drizzle-orm';
import type { Ctx } from './context.ts';
import { annotations, events } from './db/schema.ts';
import { prepared, stmt } from './db/prepared.ts';
import type { Db } from './db/open.ts';
import type { AnnotationRow } from './db/schema.ts';
import { AppError } from './errors.ts';
import { counts } from './counters.ts';
import { annotationMsg, checkTask, getAnnotation, getImage, getPrediction } from './store.ts';
import { announceTask, lockIfFree } from './task-lock.ts';
import { getTask } from './session.ts';
import type { AnnotationMsg } from '../common/protocol.ts';
import { sessionTask, taskOfKind, type AnnotationInput } from './tasks/index.ts';

/** Raw upsert: drizzle cannot prepare an upsert whose values are placeholders of a JSON/blob column. */
function upsertAnnotation(db: Db, r: AnnotationRow): void {
  stmt(
    db,
    `insert into annotations (image_id, kind, class_id, points, mask, annotator, updated_at) values (?, ?, ?, ?, ?, ?, ?)
    on conflict(image_id) do update set kind = excluded.kind, class_id = excluded.class_id, points = excluded.points,
    mask = excluded.mask, annotator = excluded.annotator, updated_at = excluded.updated_at`,
  ).run(r.imageId, r.kind, r.classId, r.points ? JSON.stringify(r.points) : null, r.mask, r.annotator, r.updatedAt);
}

function snapshot(a: AnnotationRow | undefined): string | null {
  return a ? JSON.stringify({ ...a, mask: a.mask ? Buffer.from(a.mask).toString('base64') : null }) : null;
}

export const RESETTING = 'the session was reset while this write was on its way: send it again';
const resetting = () => new AppError(503, 'session_resetting', RESETTING, { 'Retry-After': '1' });

/** Write an annotation of the shape PUT /annotation validated (tasks/index.ts' annotationInput): its kind's
 *  task must be the session's, then that task checks it in detail. A task-less session is locked to it in
 *  the same transaction as the write, so a refused write (an unknown class) leaves the session as it was.
 *  A session reset while the body was being decoded answers 503 session_resetting (the app sends it again). */
export async function setAnnotation(
  ctx: Ctx,
  imageId: number,
  input: AnnotationInput,
  annotator: string,
  accepted = false,
): Promise<AnnotationMsg> {
  const session = ctx.session,
    db = session.db;
  const img = getImage(db, imageId);
  const task = taskOfKind(input.kind);
  if (!task) throw new AppError(400, 'invalid_annotation', `unknown annotation kind ${JSON.stringify(input.kind)}`);
  checkTask(db, task.name);
  const now = Date.now();
  const { row, classIds } = await task.annotation(img, input, { annotator, now });
  if (ctx.session !== session || !db.$client.open) throw resetting();
  const q = prepared(db);
  let locked = false;
  db.$client.transaction(() => {
    checkTask(db, task.name);
    locked = lockIfFree(ctx, task.name);
    task.checkClasses(db, classIds);
    const before = getAnnotation(db, imageId);
    const shown = getPrediction(db, imageId);
    upsertAnnotation(db, row);
    q.insertEvent.run({
      imageId,
      type: accepted ? 'accept' : 'set',
      annotator,
      classId: row.classId,
      predictedClassId: row.kind === 'label' ? (shown?.classId ?? null) : null,
      before: snapshot(before),
      at: now,
    });
    q.deleteClaim.run({ id: imageId });
  })();
  const msg = annotationMsg(row)!;
  if (locked) announceTask(ctx, task.name);
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
      tx.insert(events)
        .values({ imageId, type: 'delete', annotator, before: snapshot(before), at: Date.now() })
        .run();
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
export async function acceptPrediction(
  ctx: Ctx,
  imageId: number,
  annotator: string,
  seen?: number,
): Promise<AnnotationMsg> {
  const db = ctx.session.db;
  const img = getImage(db, imageId);
  const p = getPrediction(db, imageId);
  if (!p) throw new AppError(409, 'no_prediction', `there is no prediction for image ${imageId} yet`);
  if (seen !== undefined && p.modelVersion !== seen) {
    throw new AppError(
      409,
      'stale_prediction',
      `the prediction for image ${imageId} changed (model v${seen} → v${p.modelVersion}); look at the new one before accepting it`,
    );
  }
  // predictions are stored only in a session with a task (trainer-check.ts)
  const task = sessionTask(db);
  if (!task) throw new AppError(409, 'no_prediction', `there is no prediction for image ${imageId} yet`);
  const input = await task.accepted(img, p, getAnnotation(db, imageId));
  return setAnnotation(ctx, imageId, input, annotator, true);
}
