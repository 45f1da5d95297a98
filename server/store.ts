// Reads and writes shared by routes and the socket hub; rows are mapped to protocol messages here.
import { asc, sql } from 'drizzle-orm';
import { basename } from 'node:path';
import type { Db } from './db/open.ts';
import { classes } from './db/schema.ts';
import type { AnnotationRow, ClassRow, ImageRow, PredictionRow, Task } from './db/schema.ts';
import type { AnnotationMsg, ClassMsg, ImageRef, Prediction } from '../common/protocol.ts';
import { AppError } from './errors.ts';
import { getSetting, getTask, setSetting } from './session.ts';
import { prepared } from './db/prepared.ts';

import { PALETTE } from '../common/class-names.ts';
export { PALETTE };

export function getImage(db: Db, id: number): ImageRow {
  const row = prepared(db).image.get({ id });
  if (!row) throw new AppError(404, 'image_not_found', `no image with id ${id}`);
  return row;
}

export function imageRef(r: ImageRow): ImageRef {
  return { id: r.id, path: r.path, sha256: r.sha256, width: r.width, height: r.height };
}
export function imageName(r: ImageRow): string {
  return basename(r.path);
}

export function listClasses(db: Db): ClassMsg[] {
  return db.select().from(classes).orderBy(asc(classes.position), asc(classes.id)).all();
}
export function getClass(db: Db, id: number): ClassRow {
  const row = prepared(db).klass.get({ id });
  if (!row) throw new AppError(404, 'class_not_found', `no class with id ${id}`);
  return row;
}

export function annotationMsg(a: AnnotationRow | undefined | null): AnnotationMsg | null {
  if (!a) return null;
  return {
    imageId: a.imageId,
    kind: a.kind,
    classId: a.classId ?? null,
    points: a.points ?? null,
    hasMask: !!a.mask,
    annotator: a.annotator,
    updatedAt: a.updatedAt,
  };
}
export function getAnnotation(db: Db, imageId: number): AnnotationRow | undefined {
  return prepared(db).annotation.get({ id: imageId });
}

export function predictionMsg(p: PredictionRow | undefined | null): Prediction | null {
  if (!p) return null;
  if (p.map && p.mapClassIds && p.mapWidth && p.mapHeight) {
    return {
      imageId: p.imageId,
      classId: p.classId ?? null,
      classIds: p.mapClassIds,
      width: p.mapWidth,
      height: p.mapHeight,
      map: Buffer.from(p.map).toString('base64'),
      uncertainty: p.uncertainty ?? 0,
    };
  }
  // a compact delta keeps the top class and its probability, not every class's: the full
  // probabilities come with the image's next focused prediction
  const probs = p.probs ?? (p.classId !== null && p.confidence !== null ? { [String(p.classId)]: p.confidence } : {});
  return { imageId: p.imageId, classId: p.classId ?? 0, probs, uncertainty: p.uncertainty ?? 0 };
}
export function getPrediction(db: Db, imageId: number): PredictionRow | undefined {
  return prepared(db).prediction.get({ id: imageId });
}

/** image counts from the kept counters (server/counters.ts) */
export { counts } from './counters.ts';

/** Lock the task on first use; creates the session's preset classes for that task when it has none. */
export function lockTask(db: Db, task: Task): Task {
  const current = getTask(db);
  if (current && current !== task) {
    throw new AppError(
      409,
      'task_locked',
      `the current task is ${current}; you can't change tasks — to do another task, reset the session`,
    );
  }
  if (!current) {
    db.transaction((tx) => {
      setSetting(tx as unknown as Db, 'task', task);
      const presets = getSetting<Record<Task, { name: string; color?: string }[]>>(tx as unknown as Db, 'presets');
      const existing = tx
        .select({ n: sql<number>`count(*)` })
        .from(classes)
        .get()!.n;
      if (presets?.[task] && existing === 0) {
        presets[task].forEach((p, i) =>
          tx
            .insert(classes)
            .values({ name: p.name, color: p.color ?? PALETTE[i % PALETTE.length], position: i })
            .run(),
        );
      }
    });
  }
  return task;
}

/** Refuses a write of another task than the session's (a task-less session takes any). */
export function checkTask(db: Db, task: Task): void {
  const current = getTask(db);
  if (current && current !== task)
    throw new AppError(409, 'wrong_task', `this session's task is ${current}, not ${task}`);
}
