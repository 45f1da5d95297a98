import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { sessionStats } from '../stats.ts';
import { getTask } from '../session.ts';
import { sessionTask } from '../tasks/index.ts';
import type { ClassStat } from '../tasks/task.ts';

export function statsRoutes(ctx: Ctx) {
  return new Hono().get('/', async (c) => {
    // a task may count per class its own way (segmentation: images containing the class, pixel share), not labels
    const own = await sessionTask(ctx.session.db)?.stats?.(ctx);
    const s = sessionStats(ctx.session.db);
    const perClass: ClassStat[] = own?.perClass ?? s.perClass;
    return c.json({ task: getTask(ctx.session.db), ...own?.extra, ...s, perClass });
  });
}
