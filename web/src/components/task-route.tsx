// /classification and /segmentation: lock the task when none is set, refuse the other task's URL.
import { Match, Switch, createSignal, createEffect } from 'solid-js';
import { useApp } from '../context.ts';
import type { Task } from '../types.ts';
import { ClassifyPage } from '../pages/classify.tsx';
import { SegmentPage } from '../pages/segment.tsx';
import { TaskLockAlert } from './task-lock-alert.tsx';

export function TaskRoute(props: { task: Task }) {
  const { session } = useApp();
  const [error, setError] = createSignal<string | null>(null);
  const current = () => session.info()?.task ?? null;
  let locking = false;
  // opening a task when none is set locks the session to it (the server creates its preset classes)
  createEffect(() => {
    if (current() === null && !locking) {
      locking = true;
      session.setTask(props.task).catch((e) => setError((e as Error).message)).finally(() => { locking = false; });
    }
  });
  return (
    <Switch fallback={<div class="center-note"><p>{error() ?? `Opening ${props.task}…`}</p></div>}>
      <Match when={current() && current() !== props.task}>
        <TaskLockAlert current={current()!} />
      </Match>
      <Match when={current() === 'classification'}><ClassifyPage /></Match>
      <Match when={current() === 'segmentation'}><SegmentPage /></Match>
    </Switch>
  );
}
