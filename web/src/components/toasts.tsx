import { For } from 'solid-js';
import { useApp } from '../context.ts';

export function Toasts() {
  const { ui } = useApp();
  return (
    <div class="toasts" aria-live="polite">
      <For each={ui.toasts()}>
        {(t) => (
          <div class={`toast ${t.tone}`} data-testid="toast">
            {t.text}
          </div>
        )}
      </For>
    </div>
  );
}
