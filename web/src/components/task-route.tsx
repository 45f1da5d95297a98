// /<task> (a task of the registry, tasks/): lock the task when none is set, refuse the other task's URL.
import { Match, Switch, createEffect, createSignal, on, onMount } from 'solid-js';
import { Dynamic } from 'solid-js/web';
import { useApp } from '../context.ts';
import type { Task } from '../types.ts';
import { TASK_VIEWS } from '../tasks/views.tsx';
import { TaskLockAlert } from './task-lock-alert.tsx';

export function TaskRoute(props: { task: Task }) {
  const { session, router } = useApp();
  const [error, setError] = createSignal<string | null>(null);
  const current = () => session.info()?.task ?? null;
  // opening a task when none is set locks the session to it (the server creates its preset classes);
  // only when the page is opened: a reset made elsewhere must not re-lock the old task
  onMount(() => {
    if (current() !== null) return;
    session.setTask(props.task).catch((e) => {
      setError((e as Error).message);
      void session.refresh();
    });
  });
  createEffect(
    on(
      current,
      (now, before) => {
        if (before && now === null) router.navigate('/');
      },
      { defer: true },
    ),
  );
  return (
    <Switch
      fallback={
        <div class="center-note">
          <p>{error() ?? `Opening ${props.task}…`}</p>
        </div>
      }
    >
      <Match when={current() && current() !== props.task}>
        <TaskLockAlert current={current()!} />
      </Match>
      <Match when={current() === props.task}>
        <Dynamic component={TASK_VIEWS[props.task].Page} />
      </Match>
    </Switch>
  );
}
