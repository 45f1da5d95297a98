import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { counts, listClasses } from '../store.ts';
import { getTask } from '../session.ts';
import { segClassStats } from '../seg-stats.ts';

export function statsRoutes(ctx: Ctx) {
  return new Hono().get('/', async (c) => {
    const db = ctx.session.db.$client;
    const c0 = counts(ctx.session.db);
    const per = new Map((db.prepare(`select class_id as id, count(*) as n from annotations where kind = 'label' group by class_id`).all() as { id: number; n: number }[]).map((r) => [r.id, r.n]));
    // segmentation counts come from masks and points (images containing the class, pixel share), not labels
    const task = getTask(ctx.session.db);
    const seg = task === 'segmentation' ? await segClassStats(ctx) : null;
    const perClass = seg?.perClass ?? listClasses(ctx.session.db).map((k) => ({ classId: k.id, name: k.name, color: k.color, count: per.get(k.id) ?? 0 }));
    const perAnnotator = db.prepare(`select annotator, count(*) as count from annotations group by annotator order by count desc`).all() as { annotator: string; count: number }[];
    // live accuracy: the top-1 prediction the annotator saw vs the label they then gave (prequential)
    const live = (db.prepare(`select class_id as y, predicted_class_id as p from events where type in ('set','accept') and class_id is not null and predicted_class_id is not null order by id`).all() as { y: number; p: number }[]).map((r) => (r.y === r.p ? 1 : 0));
    const metrics: Record<string, { step: number; value: number }[]> = Object.create(null);
    for (const m of db.prepare('select name, step, value from metrics order by id').all() as { name: string; step: number; value: number }[]) {
      (metrics[m.name] ??= []).push({ step: m.step, value: m.value });
    }
    const confusion = db.prepare(`select value from settings where key = 'confusion'`).get() as { value: string } | undefined;
    return c.json({
      task, ...(seg ? { segmentation: { labelledPixels: seg.labelledPixels, masks: seg.masks } } : {}),
      total: c0.images, labelled: c0.labelled, skipped: c0.skipped, unlabelled: c0.unlabelled, perClass, perAnnotator,
      live: { n: live.length, correct: live.reduce((a: number, b) => a + b, 0), series: live }, metrics,
      confusion: (confusion ? JSON.parse(confusion.value) : null) as { classIds: number[]; matrix: number[][] } | null,
    });
  });
}
