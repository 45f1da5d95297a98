// Evaluation: how good the model is on the persistent val split, per class and per image; what needs
// attention; the likely label errors; how to take the model away. Refreshed live (the trainer's `changed`
// frames, metrics, labels). Keys: see the `evaluation` scope (web/src/keys/actions.ts) or press `?`.
import { Show, createEffect, createSignal, on, onCleanup } from 'solid-js';
import { api } from '../api.ts';
import { useApp } from '../context.ts';
import { ConfusionMatrix } from '../components/confusion-matrix.tsx';
import { ACCEPTED_TITLE, EvalClasses } from '../components/eval-classes.tsx';
import { EvalImages, IMAGE_SORTS } from '../components/eval-images.tsx';
import { ExportBox, copyExport } from '../components/export-box.tsx';
import { HintsList, hintHref } from '../components/hints-list.tsx';
import { LineChart } from '../components/line-chart.tsx';
import { ReviewSummary } from '../components/review-summary.tsx';
import type { Hint } from '../types.ts';
import { webTask } from '../tasks/index.ts';
import type { EvaluationAnswer, ReviewList } from '../api-types.ts';

const PAGE = 25;
/** what each val curve is called on the chart */
const LABELS: Record<string, string> = {
  val_accuracy: 'accuracy',
  val_macro_f1: 'macro-F1',
  val_miou: 'mIoU (patch grid)',
  val_miou_accepted: 'mIoU (accepted masks)',
};
const COLORS: Record<string, string> = {
  val_accuracy: '#58a6ff',
  val_macro_f1: '#3fb950',
  val_miou: '#d29922',
  val_miou_accepted: '#f778ba',
};
const f2 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));

export function EvaluationPage() {
  const { socket, session, keys, router, ui } = useApp();
  const [data, setData] = createSignal<EvaluationAnswer | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [hints, setHints] = createSignal<Hint[]>([]);
  const [review, setReview] = createSignal<ReviewList | null>(null);
  const [sort, setSort] = createSignal('loss');
  const [page, setPage] = createSignal(0);
  const [row, setRow] = createSignal(0);
  const [cell, setCell] = createSignal<[number, number]>([0, 1]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const load = (wait = 250) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      api.evaluation({ sort: sort(), offset: page() * PAGE, limit: PAGE }).then(
        (d) => {
          setData(d);
          setError(null);
        },
        (e) => setError((e as Error).message),
      );
      api.hints().then(
        (r) => setHints(r.hints),
        () => {},
      );
      api.review({ flagged: true, limit: 6 }).then(setReview, () => {});
    }, wait);
  };
  createEffect(on([sort, page], () => load(0)));
  onCleanup(socket.on('changed', () => load()));
  onCleanup(socket.on('metric', () => load()));
  onCleanup(socket.on('annotation', () => load(600)));
  onCleanup(() => clearTimeout(timer));

  const ev = () => data()?.evaluation ?? null;
  const C = () => ev()?.classIds.length ?? 0;
  const items = () => ev()?.images.items ?? [];
  const imageHref = (id: number) => {
    const t = session.info()?.task;
    return t ? `/${t}?id=${id}` : '/';
  };
  const cellHref = (r: number, c: number) =>
    ev()?.unit === 'images' ? `/browse?cell=${ev()!.classIds[r]}:${ev()!.classIds[c]}` : null;
  const moveCell = (dr: number, dc: number) =>
    setCell(([r, c]) => [Math.max(0, Math.min(C() - 1, r + dr)), Math.max(0, Math.min(C() - 1, c + dc))]);
  const pages = () => Math.max(1, Math.ceil((ev()?.images.total ?? 0) / PAGE));
  const turn = (d: number) => {
    const p = Math.max(0, Math.min(pages() - 1, page() + d));
    if (p !== page()) {
      setPage(p);
      setRow(0);
    }
  };
  const go = (href: string | null) => {
    if (href) router.navigate(href);
  };
  keys.use('evaluation', {
    cellLeft: () => moveCell(0, -1),
    cellRight: () => moveCell(0, 1),
    cellUp: () => moveCell(-1, 0),
    cellDown: () => moveCell(1, 0),
    openCell: () => go(cellHref(...cell())),
    rowNext: () => (row() < items().length - 1 ? setRow(row() + 1) : turn(1)),
    rowPrev: () => setRow(Math.max(0, row() - 1)),
    openRow: () => {
      const r = items()[row()];
      if (r) go(imageHref(r.id));
    },
    sort: () => {
      setSort(IMAGE_SORTS[(IMAGE_SORTS.findIndex(([s]) => s === sort()) + 1) % IMAGE_SORTS.length][0]);
      setPage(0);
      setRow(0);
    },
    pagePrev: () => turn(-1),
    pageNext: () => turn(1),
    review: () => go('/browse?review=1'),
    export: () => copyExport(data()?.export.command ?? '', ui.notify),
    ...Object.fromEntries(
      Array.from({ length: 9 }, (_, i) => [
        `hint${i + 1}`,
        () => {
          const h = hints()[i];
          if (h?.imageIds?.length) go(hintHref(h));
        },
      ]),
    ),
  });
  const hk = (id: string) => keys.hint(`evaluation.${id}`);
  const curveLabel = (n: string) =>
    LABELS[n] ??
    (n.startsWith('val_iou:')
      ? `IoU ${session.classes().find((k) => `val_iou:${k.id}` === n)?.name ?? `#${n.slice(8)}`}`
      : n);
  const curves = () =>
    Object.entries(data()?.curves ?? {}).map(([n, pts]) => ({
      label: curveLabel(n),
      color:
        (n.startsWith('val_iou:') && session.classes().find((k) => `val_iou:${k.id}` === n)?.color) ||
        (COLORS[n] ?? '#a5d6ff'),
      points: pts.map((p) => ({ x: p.step, y: p.value })),
    }));

  return (
    <div class="page evaluation" data-testid="evaluation-page">
      <Show when={data()} fallback={<p class="muted">{error() ?? 'Loading…'}</p>}>
        <section class="card">
          <h2>Evaluation</h2>
          <Show
            when={ev()}
            fallback={
              <p class="muted" data-testid="eval-empty">
                No evaluation yet: once the trainer has a model it scores it on the validation split (about one labelled
                image in five, chosen by image id) by a model trained without it, and this page fills in. Label at least
                two classes outside the validation split.
              </p>
            }
          >
            {(e) => (
              <>
                <div class="eval-headline" data-testid="eval-headline">
                  <span>
                    model <b>v{e().modelVersion}</b>
                  </span>
                  <Show when={webTask(e().task)}>
                    {(t) => (
                      <>
                        <span>
                          <span class="big">{f2(e()[t().evaluation.headline.field])}</span>{' '}
                          {t().evaluation.headline.label}
                        </span>
                        <Show when={t().evaluation.macroF1}>
                          <span>
                            <span class="big">{f2(e().macroF1)}</span> macro-F1
                          </span>
                        </Show>
                        <Show when={e().accepted}>
                          {(a) => (
                            <span data-testid="eval-accepted" title={ACCEPTED_TITLE}>
                              <span class="big">{f2(a().miou)}</span> mIoU of the accepted masks{' '}
                              <span class="muted small">
                                ({a().images} val image{a().images === 1 ? '' : 's'}, per pixel
                                {a().named ? ', shapes named by their crops' : ''})
                              </span>
                            </span>
                          )}
                        </Show>
                        <Show when={e().ece != null}>
                          <span
                            data-testid="eval-ece"
                            title={`expected calibration error of the shown confidence on the val images (0: a prediction shown at 70 % is right 70 % of the time)${e().temperature ? `; the head's logits are divided by a temperature of ${e().temperature!.toFixed(2)}` : ''}`}
                          >
                            <span class="big">{f2(e().ece ?? null)}</span> calibration error (ECE)
                          </span>
                        </Show>
                      </>
                    )}
                  </Show>
                  <span class="muted">
                    on {e().valSize} val image{e().valSize === 1 ? '' : 's'} ·{' '}
                    {webTask(e().task)?.evaluation.trainedOn ?? 'trained on'} {e().trainSize} · {e().labelled} labelled
                  </span>
                </div>
                <Show when={e().valSize === 0}>
                  <p class="warn small" data-testid="eval-no-val">
                    No labelled val image yet, so no honest estimate: the model strategies send one pick in five to a
                    random val-side image over the first 50 labels (sequential and random order reach them by
                    themselves, about one image in five).
                  </p>
                </Show>
                <Show when={(data()!.currentModelVersion ?? 0) > e().modelVersion}>
                  <p class="warn small">
                    The trainer is at model v{data()!.currentModelVersion}: this refreshes when its evaluation arrives.
                  </p>
                </Show>
              </>
            )}
          </Show>
        </section>
        <Show when={hints().length}>
          <section class="card">
            <h2>Needs attention</h2>
            <HintsList hints={hints()} keyOf={(i) => (i < 9 ? hk(`hint${i + 1}`) : '')} />
          </section>
        </Show>
        <Show when={ev()}>
          {(e) => (
            <div class="eval-grid">
              <section class="card">
                <h2>Per class</h2>
                <EvalClasses ev={e()} classes={session.classes()} />
              </section>
              <section class="card">
                <h2>
                  Confusion matrix <span class="muted small">(val {e().unit}; rows given, columns predicted)</span>
                </h2>
                <Show when={e().confusion}>
                  <ConfusionMatrix
                    data={{ classIds: e().classIds, matrix: e().confusion! }}
                    classes={session.classes()}
                    href={cellHref}
                    cursor={e().unit === 'images' ? cell() : null}
                  />
                </Show>
                <Show when={e().unit === 'images'}>
                  <p class="muted small">
                    <kbd>←↑→↓</kbd> cell · <kbd>{hk('openCell')}</kbd> its images in Browse
                  </p>
                </Show>
              </section>
            </div>
          )}
        </Show>
        <section class="card">
          <h2>Validation metric vs labels</h2>
          <Show
            when={curves().length}
            fallback={<p class="muted small">The curve appears after the first evaluated model.</p>}
          >
            <LineChart series={curves()} xTitle="labels" yTitle="val metric" yRange={[0, 1]} />
          </Show>
        </section>
        <ReviewSummary review={review()} classes={session.classes()} keyHint={hk('review')} />
        <Show when={ev()}>
          {(e) => (
            <section class="card">
              <h2>
                Per image <span class="muted small">(val split)</span>
              </h2>
              <EvalImages
                ev={e()}
                classes={session.classes()}
                cursor={row()}
                sort={sort()}
                href={imageHref}
                onSort={() => {
                  setSort(sort() === 'loss' ? '-loss' : 'loss');
                  setPage(0);
                }}
                keys={{
                  sort: hk('sort'),
                  row: `${hk('rowNext')}/${hk('rowPrev')}`,
                  open: hk('openRow'),
                  pages: `${hk('pagePrev')} ${hk('pageNext')}`,
                }}
              />
            </section>
          )}
        </Show>
        <ExportBox info={data()!.export} keyHint={hk('export')} />
      </Show>
    </div>
  );
}
