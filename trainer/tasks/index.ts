// The task registry: one factory per task name. Adding a task = one module implementing TrainerTask and
// one line here (and its entries in the server's and the web app's registries).
import type { Task } from '../../common/protocol.ts';
import { classification } from './classification.ts';
import { segmentation } from './segmentation.ts';
import type { TaskFactory } from './task.ts';

export const TASKS: Record<Task, TaskFactory> = { classification, segmentation };

export type { TaskFactory, TrainerTask, TrainerView } from './task.ts';
