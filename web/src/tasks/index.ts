// The browser's task registry, keyed by task name (common/protocol.ts' taskSchema): the data of each task.
// Its components are in ./views.tsx. A new task: its module here and its line in TASKS, and its views.
import type { Task } from '../types.ts';
import { classification } from './classification.ts';
import { segmentation } from './segmentation.ts';
import type { WebTask } from './task.ts';

export const WEB_TASKS: Record<Task, WebTask> = { classification, segmentation };
export const WEB_TASK_LIST: WebTask[] = Object.values(WEB_TASKS);

/** The entry of a task, or null while the session has none. */
export const webTask = (t: Task | null | undefined): WebTask | null => (t ? (WEB_TASKS[t] ?? null) : null);
