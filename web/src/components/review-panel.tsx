// The review walk in Browse (filter "likely label errors"): the selected image, the label it was given and
// the model's view, with keys to keep the label or relabel it. Either way the image leaves the list and the
// selection stays put, so the next one comes up under it.
import { Show } from 'solid-js';
import { api } from '../api.ts';
import { useApp } from '../context.ts';
import type { ImageListItem, ReviewList } from '../api-types.ts';
import { webTask } from '../tasks/index.ts';
import { classByDigit } from '../keys/class-keys.ts';
import '../quality.css';

type Item = ReviewList['items'][number];

export function ReviewPanel(props: { item: ImageListItem | undefined; info: Item | undefined; onDone: () => void; open: () => void }) {
  const { session, keys, ui } = useApp();
  // relabelling here is for tasks whose label is one class (the others open the image to fix it)
  const cls = () => !!webTask(session.info()?.task)?.review.relabel;
  const k = (id: number | null | undefined) => session.classes().find((c) => c.id === id);
  const write = (what: string, p: Promise<unknown>) => p.then(() => { ui.notify(what); props.onDone(); }, (e) => ui.notify(`#${props.item?.id}: ${(e as Error).message}`, 'error'));
  const relabel = (classId: number | null | undefined) => {
    const it = props.item, c = k(classId);
    if (!it || !c || !cls()) return;
    void write(`#${it.id} relabelled ${c.name}`, api.annotate(it.id, { kind: 'label', classId: c.id }));
  };
  keys.use('review', {
    keep: () => { const it = props.item; if (it) void write(`#${it.id}: label kept`, api.keepLabel(it.id)); },
    accept: () => relabel(props.info?.suggested),
    ...Object.fromEntries(Array.from({ length: 10 }, (_, d) => [`relabel${d}`, () => relabel(classByDigit(session.classes(), d)?.id)])),
  });
  const h = (id: string) => keys.hint(`review.${id}`);
  return (
    <aside class="card review-panel" data-testid="review-panel">
      <Show when={props.item} fallback={<p class="muted">Nothing left to review: every flagged label was kept or changed. New ones appear after the next refits.</p>}>{(it) => (
        <>
          <h2>#{it().id} <span class="muted small">{it().name}</span></h2>
          <img src={api.fileUrl(it().id)} alt={it().name} />
          <div class="verdict">
            <span class="muted">given</span>
            <b data-testid="review-given"><span class="swatch" style={{ background: k(props.info?.given)?.color ?? '#888' }} /> {k(props.info?.given ?? it().annotation?.classId)?.name ?? '–'}</b>
            <span class="muted">the model</span>
            <span data-testid="review-suggested">
              <b>{k(props.info?.suggested)?.name ?? '–'}</b>{' '}
              <Show when={props.info}>{(inf) => (
                <span class="muted small">{webTask(session.info()?.task)?.review.explain(inf().score, k(inf().given)?.name ?? 'given')}</span>
              )}</Show>
            </span>
            <Show when={cls() && it().prediction?.classId != null}>
              <span class="muted">live model</span>
              <span>{k(it().prediction!.classId)?.name ?? '?'} {it().prediction!.confidence != null ? `${Math.round(it().prediction!.confidence! * 100)} %` : ''}</span>
            </Show>
          </div>
          <div class="keys">
            <span><kbd>{h('keep')}</kbd> keep the label “{k(props.info?.given)?.name ?? '–'}” (it is right)</span>
            <Show when={cls()} fallback={<span><kbd>{keys.hint('browse.open')}</kbd> open it to fix the mask</span>}>
              <span><kbd>{h('accept')}</kbd> relabel as the model says (“{k(props.info?.suggested)?.name ?? '–'}”)</span>
              <span><kbd>{h('relabel1')}</kbd>–<kbd>{h('relabel9')}</kbd> relabel with another class · <kbd>{keys.hint('browse.open')}</kbd> open</span>
            </Show>
          </div>
          <div class="row"><button onClick={props.open}>Open in the labelling view</button></div>
        </>
      )}</Show>
    </aside>
  );
}
