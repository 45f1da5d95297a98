// P8 for the model-quality frames (evaluation, review, hints): checked against the session before they are
// kept. A frame from another task, or naming a class the session no longer has in its class list (removed
// while the trainer worked), is dropped whole; rows naming unknown images are dropped one by one.
import type { Ctx } from './context.ts';
import { stmt } from './db/prepared.ts';
import type { TrainerToServer } from '../common/protocol.ts';
import { getTask } from './session.ts';
import { listClasses } from './store.ts';

type Insight = Extract<TrainerToServer, { type: 'evaluation' | 'review' | 'hints' }>;
export interface InsightChecked<M extends Insight = Insight> {
  msg: M | null;
  dropped: string[];
}

function knownImages(ctx: Ctx, ids: number[]): Set<number> {
  if (!ids.length) return new Set();
  const rows = stmt(ctx.session.db, 'select id from images where id in (select value from json_each(?))').all(
    JSON.stringify([...new Set(ids)]),
  ) as { id: number }[];
  return new Set(rows.map((r) => r.id));
}

export function checkInsight<M extends Insight>(ctx: Ctx, frame: M): InsightChecked<M> {
  const msg: Insight = frame;
  const db = ctx.session.db;
  const classes = new Set(listClasses(db).map((k) => k.id));
  const okClass = (id: number | null) => id === null || classes.has(id);
  const dropped: string[] = [];
  const keep = <T>(rows: T[], img: (r: T) => number, why: string) => {
    const known = knownImages(ctx, rows.map(img));
    const out = rows.filter((r) => known.has(img(r)));
    if (out.length < rows.length) dropped.push(`${rows.length - out.length} ${why} naming unknown images`);
    return out;
  };
  if (msg.type === 'hints') {
    const known = knownImages(
      ctx,
      msg.hints.flatMap((h) => h.imageIds ?? []),
    );
    let gone = 0;
    const hints = msg.hints.map((h) => {
      const imageIds = h.imageIds?.filter((id) => known.has(id) || (gone++, false));
      return {
        ...h,
        ...(h.classIds ? { classIds: h.classIds.filter(okClass) } : {}),
        ...(imageIds ? { imageIds } : {}),
      };
    });
    if (gone) dropped.push(`${gone} hint image ids naming unknown images`);
    return { msg: { ...msg, hints } as M, dropped };
  }
  const task = getTask(db);
  if (msg.task !== task)
    return { msg: null, dropped: [`a ${msg.task} ${msg.type} in a ${task ?? 'task-less'} session`] };
  if (msg.type === 'evaluation') {
    const n = msg.classIds.length;
    if (!msg.classIds.every(okClass))
      return { msg: null, dropped: ['evaluation names a class the session does not have'] };
    if ([...msg.perClass, ...(msg.accepted?.perClass ?? [])].some((k) => !msg.classIds.includes(k.classId)))
      return { msg: null, dropped: ['evaluation per-class row outside its classIds'] };
    if (msg.confusion && (msg.confusion.length !== n || msg.confusion.some((r) => r.length !== n)))
      return { msg: null, dropped: [`evaluation confusion is not ${n}×${n}`] };
    const images = keep(
      msg.images.filter((r) => okClass(r.given) && okClass(r.predicted)),
      (r) => r.id,
      'evaluation rows',
    );
    return { msg: { ...msg, images } as M, dropped };
  }
  const items = keep(
    msg.items.filter((r) => okClass(r.given) && okClass(r.suggested)),
    (r) => r.id,
    'review items',
  );
  return { msg: { ...msg, items } as M, dropped };
}
