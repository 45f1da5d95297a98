// The one way a session's task gets locked: on first use, by whatever uses it first (PUT /api/session/task,
// the first annotation, an import with labels or masks). lockTask (store.ts) writes the lock inside the
// caller's transaction; announceTask tells every browser and the trainer, once the write has committed.
import type { Ctx } from './context.ts';
import type { Task } from '../common/protocol.ts';
import { getTask } from './session.ts';
import { listClasses, lockTask } from './store.ts';

/** Lock the task if it is not yet; true when this call locked it (the caller announces after committing). */
export function lockIfFree(ctx: Ctx, task: Task): boolean {
  const before = getTask(ctx.session.db);
  lockTask(ctx.session.db, task);
  return !before;
}

/** A task was just locked: browsers reload the session and its (preset) classes, the trainer starts over. */
export function announceTask(ctx: Ctx, task: Task): void {
  ctx.bus.emit('browser', { type: 'session', reason: 'task' });
  ctx.bus.emit('browser', { type: 'classes', classes: listClasses(ctx.session.db) });
  ctx.bus.emit('trainer', { type: 'reset', reason: `task chosen: ${task}` });
}
