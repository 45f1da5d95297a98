// `/`: no task yet → offer both (opening one locks it); task set → only that one.
import { For, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { count, fmt } from '../lib/format.ts';
import type { Task } from '../types.ts';

const TASKS: { id: Task; title: string; text: string; key: string }[] = [
  { id: 'classification', title: 'Classification', text: 'One label per image, by keyboard. The model suggests, you confirm or correct.', key: '1' },
  { id: 'segmentation', title: 'Segmentation', text: 'Paint class masks with brush, eraser, points and polygons over the predicted map.', key: '2' },
];

export function HomePage() {
  const { session, router, keys } = useApp();
  const task = () => session.info()?.task ?? null;
  const open = (t: Task) => router.navigate(`/${t}`);
  keys.use('home', {
    classification: () => { if (!task() || task() === 'classification') open('classification'); },
    segmentation: () => { if (!task() || task() === 'segmentation') open('segmentation'); },
    open: () => { if (task()) open(task()!); },
  });
  const counts = () => session.info()!.counts;
  return (
    <div class="home">
      <h1>{session.info()!.name}</h1>
      <p class="muted">
        {count(counts().images, 'image')} · {fmt(counts().labelled)} labelled · {fmt(counts().skipped)} skipped · {fmt(counts().unlabelled)} to do
      </p>
      <Show when={!task()} fallback={<p class="muted">This session is locked to {task()}. To do another task, reset the session in <a href="/settings">settings</a>.</p>}>
        <p>Choose the task. Opening one locks the session to it (a reset unlocks it; nothing is deleted).</p>
      </Show>
      <div class="task-cards">
        <For each={TASKS.filter((t) => !task() || t.id === task())}>{(t) => (
          <button class="task-card" data-testid={`task-${t.id}`} onClick={() => open(t.id)}>
            <h2>{t.title}</h2>
            <p>{t.text}</p>
            <span class="muted small">press <kbd>{task() ? 'Enter' : t.key}</kbd></span>
          </button>
        )}</For>
      </div>
    </div>
  );
}
