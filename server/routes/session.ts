import { Hono } from 'hono';
import type { Ctx } from '../context.ts';
import { z } from 'zod';
import { json } from '../validate.ts';
import { orList } from '../tasks/index.ts';
import { AppError } from '../errors.ts';
import { getTask, resetSession, closeSession } from '../session.ts';
import { counts, listClasses } from '../store.ts';
import { announceTask, lockIfFree } from '../task-lock.ts';
import { taskSchema } from '../../common/protocol.ts';
import { suggestions } from '../db/schema.ts';

const taskBody = z.object({
  task: z.enum(taskSchema.options, { error: `task must be ${orList(taskSchema.options.map((t) => `"${t}"`))}` }),
});

export function sessionRoutes(ctx: Ctx) {
  return new Hono()
    .get('/', (c) => {
      const db = ctx.session.db;
      const strategies = db
        .select({ s: suggestions.strategy })
        .from(suggestions)
        .all()
        .map((r) => r.s);
      return c.json({
        name: ctx.session.name,
        task: getTask(db),
        counts: counts(db),
        classes: listClasses(db),
        trainer: ctx.trainer,
        strategies,
      });
    })
    .put('/task', json(taskBody, { '*': 'invalid_task' }), async (c) => {
      const { task } = c.req.valid('json');
      if (lockIfFree(ctx, task)) announceTask(ctx, task);
      return c.json({ task });
    })
    .post('/reset', json(z.object({ confirm: z.unknown() })), async (c) => {
      const body = c.req.valid('json');
      if (body.confirm !== ctx.session.name) {
        throw new AppError(
          400,
          'confirm_mismatch',
          `type the session name "${ctx.session.name}" in "confirm" to reset it (nothing is deleted: the folder is renamed)`,
        );
      }
      await closeSession(ctx.session); // the checkpoint worker lets go of the files before the folder is renamed
      let result;
      try {
        result = resetSession(ctx.session.sessionsDir, ctx.session.name);
      } finally {
        ctx.reopen();
      }
      ctx.bus.emit('trainer', { type: 'reset', reason: 'session reset' });
      // the model shown so far was the archived session's: browsers forget it until the trainer reports again
      ctx.bus.emit('browser', { type: 'trainer', online: ctx.trainer.online, status: ctx.trainer.status });
      ctx.bus.emit('browser', { type: 'session', reason: 'reset' });
      return c.json(result);
    });
}
