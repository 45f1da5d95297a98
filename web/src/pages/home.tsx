// `/`: no task yet → offer both (opening one locks it); task set → only that one.
import { For, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { count, fmt } from '../lib/format.ts';
import type { Task } from '../types.ts';
import { WEB_TASK_LIST } from '../tasks/index.ts';

export function HomePage() {
  const { session, router, keys } = useApp();
  const task = () => session.info()?.task ?? null;
  const open = (t: Task) => router.navigate(`/${t}`);
  keys.use('home', {
    // home.<task>: open it, unless the session is locked to another
    ...Object.fromEntries(
      WEB_TASK_LIST.map((t) => [
        t.name,
        () => {
          if (!task() || task() === t.name) open(t.name);
        },
      ]),
    ),
    open: () => {
      if (task()) open(task()!);
    },
  });
  const counts = () => session.info()!.counts;
  return (
    <div class="home">
      <h1>{session.info()!.name}</h1>
      <p class="muted">
        {count(counts().images, 'image')} · {fmt(counts().labelled)} labelled · {fmt(counts().skipped)} skipped ·{' '}
        {fmt(counts().unlabelled)} to do
      </p>
      <Show
        when={!task()}
        fallback={
          <p class="muted">
            This session is locked to {task()}. To do another task, reset the session in{' '}
            <a href="/settings">settings</a>.
          </p>
        }
      >
        <p>Choose the task. Opening one locks the session to it (a reset unlocks it; nothing is deleted).</p>
      </Show>
      <div class="task-cards">
        <For each={WEB_TASK_LIST.filter((t) => !task() || t.name === task())}>
          {(t) => (
            <button class="task-card" data-testid={`task-${t.name}`} onClick={() => open(t.name)}>
              <h2>{t.title}</h2>
              <p>{t.text}</p>
              <span class="muted small">
                press <kbd>{task() ? 'Enter' : t.homeKey}</kbd>
              </span>
            </button>
          )}
        </For>
      </div>
    </div>
  );
}
