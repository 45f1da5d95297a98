// The server's task registry, keyed by task name (protocol.ts' taskSchema). Nothing outside server/tasks/
// names a task: it asks the session's entry here. A new task: its module and one line in TASKS.
import { z } from 'zod';
import type { Db } from '../db/open.ts';
import type { Task } from '../../common/protocol.ts';
import { getTask } from '../session.ts';
import { classification } from './classification.ts';
import { segmentation } from './segmentation.ts';
import type { ServerTask } from './task.ts';

const TASKS = { classification, segmentation } as const satisfies Record<Task, ServerTask<any>>;

export const SERVER_TASKS: Record<Task, ServerTask<any>> = TASKS;
/** in registry order: an import whose source carries several kinds of annotation takes the first task's */
export const SERVER_TASK_LIST: ServerTask<any>[] = Object.values(SERVER_TASKS);

/** The session's task entry, or null while the session has no task. */
export function sessionTask(db: Db): ServerTask<any> | null {
  const t = getTask(db);
  return t ? SERVER_TASKS[t] : null;
}

/** The task whose PUT /annotation takes this kind. */
export function taskOfKind(kind: string): ServerTask<any> | undefined {
  return SERVER_TASK_LIST.find((t) => t.kinds.includes(kind));
}

/** "a, b or c" */
export const orList = (xs: readonly string[]) =>
  xs.length > 1 ? `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}` : xs.join('');

type Input = (typeof TASKS)[Task]['inputs'][number];
const INPUTS = SERVER_TASK_LIST.flatMap((t) => t.inputs) as unknown as [Input, ...Input[]];
const KINDS = SERVER_TASK_LIST.flatMap((t) => t.kinds as readonly string[]);

/** The body of PUT /api/images/:id/annotation, every task's kinds (the route's validator, the client's type). */
export const annotationInput = z.discriminatedUnion('kind', INPUTS, {
  error: `kind must be ${orList(KINDS.map((k) => `"${k}"`))}`,
});
export type AnnotationInput = z.infer<typeof annotationInput>;
