// One thumbnail with its label and the model's prediction (flagged when they disagree).
import { Show } from 'solid-js';
import { api } from '../api.ts';
import { pct } from '../lib/format.ts';
import type { Class, ImageListItem } from '../types.ts';

export function Thumb(props: { item: ImageListItem; classes: Class[]; selected: boolean; onOpen: () => void }) {
  const byId = (id: number | null | undefined) => props.classes.find((k) => k.id === id);
  const a = () => props.item.annotation;
  const p = () => props.item.prediction;
  const wrong = () => a()?.kind === 'label' && p()?.classId != null && p()!.classId !== a()!.classId;
  return (
    <button class="thumb" classList={{ selected: props.selected, wrong: wrong() }} onClick={() => props.onOpen()} title={props.item.name} data-testid="thumb">
      <img src={api.thumbUrl(props.item.id)} loading="lazy" decoding="async" alt={props.item.name} />
      <span class="thumb-id">#{props.item.id}</span>
      <span class="thumb-meta">
        <Show when={a()} fallback={<span class="muted">unlabelled</span>}>
          <Show when={a()!.kind === 'label'} fallback={<span class="muted">{a()!.kind === 'skip' ? 'skipped' : a()!.hasMask ? 'mask' : 'points'}</span>}>
            <span class="tag" style={{ '--c': byId(a()!.classId)?.color ?? '#888' }}>{byId(a()!.classId)?.name ?? '?'}</span>
          </Show>
        </Show>
        <Show when={p()?.classId != null}>
          <span class="pred muted">→ {byId(p()!.classId)?.name ?? '?'} {p()!.confidence != null ? pct(p()!.confidence) : ''}</span>
        </Show>
      </span>
    </button>
  );
}
