// The big image. Shows the prefetched, already decoded <img> element itself, so switching paints at
// once; after the paint it fires `hilt:painted` (the paint benchmark listens for it).
import { Show, createEffect } from 'solid-js';
import type { Entry } from '../stores/image-cache.ts';
import type { NavStatus } from '../stores/navigator.ts';

export function ImageStage(props: { entry: Entry | null; status: NavStatus; children?: unknown }) {
  createEffect(() => {
    const e = props.entry;
    if (!e) return;
    const dom = performance.now(); // the new image is in the DOM
    // rAF runs just before the frame is painted; the timeout after it runs once it has been
    requestAnimationFrame(() =>
      setTimeout(
        () =>
          window.dispatchEvent(new CustomEvent('hilt:painted', { detail: { id: e.id, dom, at: performance.now() } })),
        0,
      ),
    );
  });
  const status = () => props.status;
  return (
    <div class="stage" data-testid="stage" data-image-id={props.entry?.id ?? ''}>
      {props.entry?.img}
      <Show when={status().kind === 'loading'}>
        <div class="stage-note">Loading…</div>
      </Show>
      <Show when={status().kind === 'error' || status().kind === 'done'}>
        <div class={`stage-note ${status().kind}`} data-testid="stage-note">
          {(status() as { message: string }).message}
        </div>
      </Show>
      {props.children as never}
    </div>
  );
}
