// The review walk in Browse (filter "likely label errors"): the selected image, the label it was given, what
// the held-out heads say (fitted without this image: the figure that tests the label) and what the live
// model says (fitted on this label too, so it tends to agree with it), with keys to keep the label or
// relabel it. A relabel asks first: the first press names the change, the same key again makes it, Esc or
// another image cancels. Either way the image leaves the list and the selection stays put, so the next one
// comes up under it.
import { createEffect, createSignal, on, Show } from 'solid-js';
import { api } from '../api.ts';
import { useApp } from '../context.ts';
import type { ImageListItem, ReviewList } from '../api-types.ts';
import { webTask } from '../tasks/index.ts';
import { classByDigit } from '../keys/class-keys.ts';
import '../quality.css';

type Item = ReviewList['items'][number];
interface Pending {
  id: number;
  classId: number;
  action: string;
}

export function ReviewPanel(props: {
  item: ImageListItem | undefined;
  info: Item | undefined;
  waiting?: string | null;
  onDone: () => void;
  open: () => void;
}) {
  const { session, keys, ui } = useApp();
  // relabelling here is for tasks whose label is one class (the others open the image to fix it)
  const cls = () => !!webTask(session.info()?.task)?.review.relabel;
  const k = (id: number | null | undefined) => session.classes().find((c) => c.id === id);
  const [pending, setPending] = createSignal<Pending | null>(null);
  createEffect(
    on(
      () => props.item?.id,
      () => setPending(null),
    ),
  );
  const write = (what: string, p: Promise<unknown>) =>
    p.then(
      () => {
        ui.notify(what);
        props.onDone();
      },
      (e) => ui.notify(`#${props.item?.id}: ${(e as Error).message}`, 'error'),
    );
  const relabel = (action: string, classId: number | null | undefined) => {
    const it = props.item,
      c = k(classId);
    if (!it || !c || !cls()) return;
    const p = pending();
    if (p && p.id === it.id && p.classId === c.id && p.action === action) {
      setPending(null);
      void write(`#${it.id} relabelled ${c.name}`, api.annotate(it.id, { kind: 'label', classId: c.id }));
    } else setPending({ id: it.id, classId: c.id, action });
  };
  keys.use(
    'review',
    {
      keep: () => {
        setPending(null);
        const it = props.item;
        if (it) void write(`#${it.id}: label kept`, api.keepLabel(it.id));
      },
      accept: () => relabel('accept', props.info?.suggested),
      ...Object.fromEntries(
        Array.from({ length: 10 }, (_, d) => [
          `relabel${d}`,
          () => relabel(`relabel${d}`, classByDigit(session.classes(), d)?.id),
        ]),
      ),
    },
    () => setPending(null),
  );
  const h = (id: string) => keys.hint(`review.${id}`);
  const live = () => (cls() && props.item?.prediction?.classId != null ? props.item.prediction : null);
  // the two figures disagree: say why both can be true
  const differ = () => {
    const l = live();
    return !!l && !!props.info && l.classId !== props.info.suggested;
  };
  return (
    <aside class="card review-panel" data-testid="review-panel">
      <Show
        when={props.item}
        fallback={
          <p class="muted" data-testid="review-empty">
            {props.waiting
              ? `No list yet: ${props.waiting}.`
              : 'Nothing left to review: every flagged label was kept or changed. New ones appear after the next refits.'}
          </p>
        }
      >
        {(it) => (
          <>
            <h2>
              #{it().id} <span class="muted small">{it().name}</span>
            </h2>
            <img src={api.fileUrl(it().id)} alt={it().name} />
            <div class="verdict">
              <span class="muted">given</span>
              <b data-testid="review-given">
                <span class="swatch" style={{ background: k(props.info?.given)?.color ?? '#888' }} />{' '}
                {k(props.info?.given ?? it().annotation?.classId)?.name ?? '–'}
              </b>
              <span class="muted" title="heads fitted without this image (k-fold): they test the label">
                held out
              </span>
              <span data-testid="review-suggested">
                <b>{k(props.info?.suggested)?.name ?? '–'}</b>{' '}
                <Show when={props.info}>
                  {(inf) => (
                    <span class="muted small">
                      {webTask(session.info()?.task)?.review.explain(inf().score, k(inf().given)?.name ?? 'given')}
                    </span>
                  )}
                </Show>
              </span>
              <Show when={live()}>
                {(p) => (
                  <>
                    <span class="muted" title="the model in use, fitted on every label including this one">
                      live model
                    </span>
                    <span data-testid="review-live">
                      {k(p().classId)?.name ?? '?'}{' '}
                      {p().confidence != null ? `${Math.round(p().confidence! * 100)} %` : ''}{' '}
                      <span class="muted small">— trained on this label too</span>
                    </span>
                  </>
                )}
              </Show>
            </div>
            <Show when={differ()}>
              <p class="muted small" data-testid="review-explain">
                The two can differ: the live model learned this very label, so it tends to repeat it; the held-out
                figure comes from heads that never saw this image, which is what tests the label.
              </p>
            </Show>
            <Show when={pending()}>
              {(p) => (
                <p class="review-confirm" data-testid="review-confirm">
                  Relabel #{p().id} from “{k(props.info?.given ?? it().annotation?.classId)?.name ?? '–'}” to “
                  {k(p().classId)?.name}”? Press <kbd>{h(p().action)}</kbd> again to confirm, <kbd>Esc</kbd> to cancel.
                </p>
              )}
            </Show>
            <div class="keys">
              <span>
                <kbd>{h('keep')}</kbd> keep the label “{k(props.info?.given)?.name ?? '–'}” (it is right)
              </span>
              <Show
                when={cls()}
                fallback={
                  <span>
                    <kbd>{keys.hint('browse.open')}</kbd> open it to fix the mask
                  </span>
                }
              >
                <span>
                  <kbd>{h('accept')}</kbd> relabel as the held-out heads say (“{k(props.info?.suggested)?.name ?? '–'}
                  ”), press twice
                </span>
                <span>
                  <kbd>{h('relabel1')}</kbd>–<kbd>{h('relabel9')}</kbd> relabel with another class, press twice ·{' '}
                  <kbd>{keys.hint('browse.open')}</kbd> open
                </span>
              </Show>
            </div>
            <div class="row">
              <button onClick={props.open}>Open in the labelling view</button>
            </div>
          </>
        )}
      </Show>
    </aside>
  );
}
