// The components of each task, keyed by task name like ./index.ts: its labelling page (at /<task>) and,
// when it has one, its own stats view (instead of label counts and live accuracy).
import type { Component } from 'solid-js';
import type { Stats } from '../api-types.ts';
import type { Class, Task } from '../types.ts';
import { ClassifyPage } from '../pages/classify.tsx';
import { SegmentPage } from '../pages/segment.tsx';
import { SegStats } from '../components/seg-stats.tsx';

export interface TaskViews {
  Page: Component;
  Stats?: Component<{ stats: Stats; classes: Class[] }>;
}

export const TASK_VIEWS: Record<Task, TaskViews> = {
  classification: { Page: ClassifyPage },
  segmentation: { Page: SegmentPage, Stats: SegStats },
};
