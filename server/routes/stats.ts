import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { sessionStats } from '../stats.ts';
import { getTask } from '../session.ts';
import { segClassStats } from '../seg-stats.ts';

export function statsRoutes(ctx: Ctx) {
  return new Hono().get('/', async (c) => {
    // segmentation counts come from masks and points (images containing the class, pixel share), not labels
    const task = getTask(ctx.session.db);
    const seg = task === 'segmentation' ? await segClassStats(ctx) : null;
    const s = sessionStats(ctx.session.db);
    return c.json({
      task, ...(seg ? { segmentation: { labelledPixels: seg.labelledPixels, masks: seg.masks } } : {}),
      ...s, perClass: seg?.perClass ?? s.perClass,
    });
  });
}
