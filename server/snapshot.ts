// What a trainer gets on connect: the task, classes, every image and every annotation (masks by reference).
import type { Ctx } from './context.ts';
import { annotations, images } from './db/schema.ts';
import { getTask } from './session.ts';
import { annotationMsg, imageRef, listClasses } from './store.ts';
import type { ServerToTrainer } from './protocol.ts';

export function buildSnapshot(ctx: Ctx): ServerToTrainer {
  const db = ctx.session.db;
  return {
    type: 'snapshot', session: ctx.session.name, task: getTask(db), classes: listClasses(db),
    images: db.select().from(images).all().map(imageRef),
    annotations: db.select().from(annotations).all().map((a) => annotationMsg(a)!),
    sessionDir: ctx.session.dir,
  };
}
