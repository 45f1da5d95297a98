// Browse: a paginated thumbnail grid with filters and sort; opening an image goes to the labelling view.
// "likely label errors" walks the review queue with a panel to keep or relabel (review-panel.tsx); a
// confusion-matrix cell or a hint opens here as a set of images (?cell=, ?ids=).
// Each task says its filters and thumbnails (tasks/: segmentation's mask thumbnails, "contains class X",
// mask / no mask).
import { For, Show, createEffect, createSignal, on, onCleanup } from 'solid-js';
import { useApp } from '../context.ts';
import { api, type ListQuery } from '../api.ts';
import { count, fmt } from '../lib/format.ts';
import { Thumb } from '../components/thumb.tsx';
import { ReviewPanel } from '../components/review-panel.tsx';
import type { ImageList, ReviewList } from '../api-types.ts';
import { WEB_TASK_LIST, webTask } from '../tasks/index.ts';

type State = string;
/** before the session has a task: the first task's filters */
const DEFAULT = WEB_TASK_LIST[0];
const SORTS = [
  ['id', 'id ↑'],
  ['-id', 'id ↓'],
  ['uncertainty', 'most uncertain'],
  ['confidence', 'most confident'],
] as const;
const LIMIT = 48;

export function BrowsePage() {
  const { session, router, keys, socket } = useApp();
  const t = () => webTask(session.info()?.task) ?? DEFAULT;
  const states = () => t().browse.states.map((s) => s.id);
  const stateQuery = () => t().browse.states.find((s) => s.id === state())?.query ?? {};
  const [state, setState] = createSignal<State>('all');
  const [label, setLabel] = createSignal<number | null>(null);
  const [predicted, setPredicted] = createSignal<number | null>(null);
  const [sort, setSort] = createSignal<string>('id');
  const [page, setPage] = createSignal(0);
  const [cursor, setCursor] = createSignal(0);
  const [data, setData] = createSignal<ImageList | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  // a set of images from the address: a confusion cell (evaluation) or a hint's ids
  const q0 = router.query();
  const [set, setSet] = createSignal<{ cell?: string; ids?: string; title: string } | null>(
    q0.get('cell')
      ? { cell: q0.get('cell')!, title: 'confusion cell' }
      : q0.get('ids')
        ? { ids: q0.get('ids')!, title: q0.get('title') ?? 'images' }
        : null,
  );
  if (q0.get('review') === '1') setState('review');
  const [review, setReview] = createSignal<Map<number, ReviewList['items'][number]>>(new Map());
  const [waiting, setWaiting] = createSignal<string | null>(null);
  let grid!: HTMLDivElement;

  const query = (): ListQuery => ({
    offset: page() * LIMIT,
    limit: LIMIT,
    sort: state() === 'review' ? 'rank' : sort(),
    ...stateQuery(),
    ...t().browse.classFilter.query(label() ?? undefined),
    ...(t().browse.predictedFilter ? { predicted: predicted() ?? undefined } : {}),
    cell: set()?.cell,
    ids: set()?.ids,
  });
  const load = () => {
    if (state() === 'review')
      void api.review({ flagged: true, limit: 50_000 }).then(
        (r) => {
          setReview(new Map(r.items.map((i) => [i.id, i])));
          setWaiting(r.waiting);
        },
        () => {},
      );
    return api.images(query()).then(
      (d) => {
        setData(d);
        setError(null);
        setCursor((c) => Math.max(0, Math.min(c, d.items.length - 1))); // a reviewed image left: the next is under the cursor
      },
      (e) => setError((e as Error).message),
    );
  };
  createEffect(
    on(query, () => {
      void load();
    }),
  );
  createEffect(
    on(
      [state, label, predicted, sort, set],
      () => {
        setPage(0);
        setCursor(0);
      },
      { defer: true },
    ),
  );
  onCleanup(socket.on('annotation', () => void load()));
  onCleanup(
    socket.on('changed', (m) => {
      if (m.what === 'review' && state() === 'review') void load();
    }),
  );
  const clearSet = () => {
    setSet(null);
    router.navigate('/browse', { replace: true });
  };

  const pages = () => Math.max(1, Math.ceil((data()?.total ?? 0) / LIMIT));
  const items = () => data()?.items ?? [];
  const open = (id: number) => {
    const t = session.info()?.task;
    router.navigate(t ? `/${t}?id=${id}` : '/');
  };
  const cols = () => (grid ? getComputedStyle(grid).gridTemplateColumns.split(' ').length : 6);
  const moveCursor = (d: number) => setCursor((c) => Math.max(0, Math.min(items().length - 1, c + d)));
  const turn = (d: number) => {
    const p = Math.max(0, Math.min(pages() - 1, page() + d));
    if (p !== page()) {
      setPage(p);
      setCursor(0);
    }
  };
  keys.use('browse', {
    left: () => moveCursor(-1),
    right: () => moveCursor(1),
    up: () => moveCursor(-cols()),
    down: () => moveCursor(cols()),
    open: () => {
      const it = items()[cursor()];
      if (it) open(it.id);
    },
    pagePrev: () => turn(-1),
    pageNext: () => turn(1),
    filter: () => setState(states()[(states().indexOf(state()) + 1) % states().length]),
    sort: () => setSort(SORTS[(SORTS.findIndex(([s]) => s === sort()) + 1) % SORTS.length][0]),
  });
  createEffect(() => {
    grid?.querySelectorAll('.thumb')[cursor()]?.scrollIntoView({ block: 'nearest' });
  });

  const classes = () => session.classes();
  const num = (v: string) => (v === '' ? null : Number(v));
  return (
    <div class="page browse" classList={{ reviewing: state() === 'review' }}>
      <div class="toolbar">
        <Show when={set()}>
          <span class="browse-set" data-testid="browse-set">
            {set()!.title}: {fmt(data()?.total ?? 0)}{' '}
            <button class="ghost tiny" title="show all images" onClick={clearSet}>
              ✕
            </button>
          </span>
        </Show>
        <label>
          show{' '}
          <select onChange={(e) => setState(e.currentTarget.value as State)} data-testid="browse-state">
            <For each={t().browse.states}>
              {(s) => (
                <option value={s.id} selected={state() === s.id}>
                  {s.label}
                </option>
              )}
            </For>
          </select>{' '}
          <kbd>{keys.hint('browse.filter')}</kbd>
        </label>
        {/* each option says whether it is chosen: the class options are rebuilt when classes change */}
        <label>
          {t().browse.classFilter.label}{' '}
          <select onChange={(e) => setLabel(num(e.currentTarget.value))} data-testid="browse-class">
            <option value="" selected={label() === null}>
              any
            </option>
            <For each={classes()}>
              {(k) => (
                <option value={k.id} selected={label() === k.id}>
                  {k.name}
                </option>
              )}
            </For>
          </select>
        </label>
        <Show when={t().browse.predictedFilter}>
          <label>
            predicted{' '}
            <select onChange={(e) => setPredicted(num(e.currentTarget.value))}>
              <option value="" selected={predicted() === null}>
                any
              </option>
              <For each={classes()}>
                {(k) => (
                  <option value={k.id} selected={predicted() === k.id}>
                    {k.name}
                  </option>
                )}
              </For>
            </select>
          </label>
        </Show>
        <label>
          sort{' '}
          <select
            value={sort()}
            disabled={state() === 'review'}
            title={state() === 'review' ? 'most likely wrong first' : ''}
            onChange={(e) => setSort(e.currentTarget.value)}
          >
            <For each={SORTS}>{([s, l]) => <option value={s}>{l}</option>}</For>
          </select>{' '}
          <kbd>{keys.hint('browse.sort')}</kbd>
        </label>
        <span class="spacer" />
        <span class="muted">
          {count(data()?.total ?? 0, 'image')} · page {page() + 1} of {pages()}
        </span>
        <button onClick={() => turn(-1)} disabled={page() === 0}>
          ‹ <kbd>{keys.hint('browse.pagePrev')}</kbd>
        </button>
        <button onClick={() => turn(1)} disabled={page() >= pages() - 1}>
          <kbd>{keys.hint('browse.pageNext')}</kbd> ›
        </button>
      </div>
      <Show when={error()}>
        <p class="inline-error">{error()}</p>
      </Show>
      <div class="thumb-grid" ref={grid} data-testid="thumb-grid">
        <For each={items()} fallback={<p class="muted">No images match.</p>}>
          {(it, i) => (
            <Thumb
              item={it}
              classes={classes()}
              selected={i() === cursor()}
              onOpen={() => (state() === 'review' ? setCursor(i()) : open(it.id))}
              segmentation={t().browse.maskThumbs}
            />
          )}
        </For>
      </div>
      <Show when={state() === 'review'}>
        <ReviewPanel
          item={items()[cursor()]}
          info={review().get(items()[cursor()]?.id ?? -1)}
          waiting={waiting()}
          onDone={() => void load()}
          open={() => {
            const it = items()[cursor()];
            if (it) open(it.id);
          }}
        />
      </Show>
    </div>
  );
}
