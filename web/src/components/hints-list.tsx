// What needs attention (GET /api/hints): each hint says what to do and links to its images in Browse.
// `HintsPanel` loads them itself and stays fresh (the trainer's `changed` frames, new labels).
import { For, Show, createSignal, onCleanup, onMount } from 'solid-js';
import { api } from '../api.ts';
import { useApp } from '../context.ts';
import type { Hint } from '../types.ts';
import '../quality.css';

/** Browse showing a hint's images (the id list travels in the address: at most 200 ids). */
export const hintHref = (h: Hint) =>
  `/browse?ids=${(h.imageIds ?? []).join(',')}&title=${encodeURIComponent(h.code.replace(/_/g, ' '))}`;

export function HintsList(props: { hints: Hint[]; keyOf?: (i: number) => string; limit?: number }) {
  return (
    <ul class="hints" data-testid="hints">
      <For each={props.hints.slice(0, props.limit ?? 32)}>
        {(h, i) => (
          <li class={`hint ${h.severity}`} data-testid="hint" data-code={h.code}>
            <span class="hint-icon" aria-hidden="true">
              {h.severity === 'warning' ? '!' : 'i'}
            </span>
            <span class="hint-text">{h.message}</span>
            <Show when={h.imageIds?.length}>
              <span class="hint-links">
                <a href={hintHref(h)} data-testid="hint-link">
                  show {h.imageIds!.length} image{h.imageIds!.length === 1 ? '' : 's'}
                </a>
                <Show when={props.keyOf?.(i())}>
                  {' '}
                  <kbd>{props.keyOf!(i())}</kbd>
                </Show>
              </span>
            </Show>
          </li>
        )}
      </For>
    </ul>
  );
}

export function HintsPanel(props: { limit?: number }) {
  const { socket } = useApp();
  const [hints, setHints] = createSignal<Hint[]>([]);
  let t: ReturnType<typeof setTimeout> | undefined;
  const load = () => {
    clearTimeout(t);
    t = setTimeout(
      () =>
        api.hints().then(
          (r) => setHints(r.hints),
          () => {},
        ),
      400,
    );
  };
  onMount(load);
  onCleanup(
    socket.on('changed', (m) => {
      if (m.what === 'hints') load();
    }),
  );
  onCleanup(socket.on('annotation', load));
  onCleanup(() => clearTimeout(t));
  return (
    <Show when={hints().length}>
      <div class="hints-panel" data-testid="hints-panel">
        <h3>Needs attention</h3>
        <HintsList hints={hints()} limit={props.limit ?? 3} />
        <Show when={hints().length > (props.limit ?? 3)}>
          <a class="small" href="/evaluation">
            {hints().length - (props.limit ?? 3)} more on the evaluation page
          </a>
        </Show>
      </div>
    </Show>
  );
}
