// One thumbnail with its label and the model's prediction (flagged when they disagree); for segmentation
// with your mask, else the prediction, laid over the picture.
import { Show } from 'solid-js';
import { api } from '../api.ts';
import { pct } from '../lib/format.ts';
import type { Class } from '../types.ts';
import type { ImageListItem } from '../api-types.ts';

export function Thumb(props: {
  item: ImageListItem;
  classes: Class[];
  selected: boolean;
  onOpen: () => void;
  segmentation?: boolean;
}) {
  const byId = (id: number | null | undefined) => props.classes.find((k) => k.id === id);
  const a = () => props.item.annotation;
  const p = () => props.item.prediction;
  const wrong = () => a()?.kind === 'label' && p()?.classId != null && p()!.classId !== a()!.classId;
  // segmentation: your mask over the picture, else the model's map (hatched); the version busts the cache
  const overlay = () =>
    a()?.hasMask
      ? { v: `m${a()!.updatedAt}-${props.classes.map((k) => k.color).join('')}`, src: 'mask' }
      : p()?.map
        ? { v: `p${p()!.modelVersion}-${props.classes.map((k) => k.color).join('')}`, src: 'prediction' }
        : null;
  return (
    <button
      class="thumb"
      classList={{ selected: props.selected, wrong: wrong() }}
      onClick={() => props.onOpen()}
      title={props.item.name}
      data-testid="thumb"
    >
      <span class="thumb-pic">
        <img src={api.thumbUrl(props.item.id)} loading="lazy" decoding="async" alt={props.item.name} />
        <Show when={props.segmentation && overlay()}>
          {(o) => (
            <img
              class="mask-overlay"
              classList={{ predicted: o().src === 'prediction' }}
              src={api.maskThumbUrl(props.item.id, o().v)}
              loading="lazy"
              decoding="async"
              alt=""
              data-testid={`mask-thumb-${o().src}`}
            />
          )}
        </Show>
      </span>
      <span class="thumb-id">#{props.item.id}</span>
      <Show when={props.segmentation} fallback={<ThumbMeta a={a()} p={p()} byId={byId} />}>
        <span class="thumb-meta">
          <span classList={{ muted: !a()?.hasMask }}>
            {a()?.hasMask ? 'your mask' : a() ? 'points only' : 'unlabelled'}
          </span>
          <Show when={!a()?.hasMask && p()?.map}>
            <span class="pred muted">showing the prediction (model v{p()!.modelVersion})</span>
          </Show>
        </span>
      </Show>
    </button>
  );
}

function ThumbMeta(props: {
  a: ImageListItem['annotation'];
  p: ImageListItem['prediction'];
  byId: (id: number | null | undefined) => Class | undefined;
}) {
  const a = () => props.a,
    p = () => props.p,
    byId = props.byId;
  return (
    <span class="thumb-meta">
      <Show when={a()} fallback={<span class="muted">unlabelled</span>}>
        <Show
          when={a()!.kind === 'label'}
          fallback={<span class="muted">{a()!.kind === 'skip' ? 'skipped' : a()!.hasMask ? 'mask' : 'points'}</span>}
        >
          <span class="tag" style={{ '--c': byId(a()!.classId)?.color ?? '#888' }}>
            {byId(a()!.classId)?.name ?? '?'}
          </span>
        </Show>
      </Show>
      <Show when={p()?.classId != null}>
        <span class="pred muted">
          → {byId(p()!.classId)?.name ?? '?'} {p()!.confidence != null ? pct(p()!.confidence) : ''}
        </span>
      </Show>
    </span>
  );
}
