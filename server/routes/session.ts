import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { jsonBody } from '../http.ts';
import { AppError } from '../errors.ts';
import { getTask, resetSession, closeSession } from '../session.ts';
import { counts, listClasses, lockTask } from '../store.ts';
import { taskSchema } from '../protocol.ts';
import { suggestions } from '../db/schema.ts';

export function sessionRoutes(ctx: Ctx) {
  return new Hono()
    .get('/', (c) => {
      const db = ctx.session.db;
      const strategies = db.select({ s: suggestions.strategy }).from(suggestions).all().map((r) => r.s);
      return c.json({ name: ctx.session.name, task: getTask(db), counts: counts(db), classes: listClasses(db), trainer: ctx.trainer, strategies });
    })
    .put('/task', async (c) => {
      const body = await jsonBody<{ task?: unknown }>(c);
      const parsed = taskSchema.safeParse(body.task);
      if (!parsed.success) throw new AppError(400, 'invalid_task', 'task must be "classification" or "segmentation"');
      const before = getTask(ctx.session.db);
      lockTask(ctx.session.db, parsed.data);
      if (!before) {
        ctx.bus.emit('browser', { type: 'session', reason: 'task' });
        ctx.bus.emit('browser', { type: 'classes', classes: listClasses(ctx.session.db) });
        ctx.bus.emit('trainer', { type: 'reset', reason: `task locked to ${parsed.data}` });
      }
      return c.json({ task: parsed.data });
    })
    .post('/reset', async (c) => {
      const body = await jsonBody<{ confirm?: unknown }>(c);
      if (body.confirm !== ctx.session.name) {
        throw new AppError(400, 'confirm_mismatch', `type the session name "${ctx.session.name}" in "confirm" to reset it (nothing is deleted: the folder is renamed)`);
      }
      closeSession(ctx.session);
      let result;
      try { result = resetSession(ctx.session.sessionsDir, ctx.session.name); } finally { ctx.reopen(); }
      ctx.bus.emit('trainer', { type: 'reset', reason: 'session reset' });
      // the model shown so far was the archived session's: browsers forget it until the trainer reports again
      ctx.bus.emit('browser', { type: 'trainer', online: ctx.trainer.online, status: ctx.trainer.status });
      ctx.bus.emit('browser', { type: 'session', reason: 'reset' });
      return c.json(result);
    });
}
