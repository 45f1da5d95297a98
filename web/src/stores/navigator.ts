// Which image is in view and how to move: id order (prev/next), by strategy (advance), or by id.
// Neighbours and the strategy's likely next image are prefetched, so moving on paints at once.
import { createSignal, type Accessor } from 'solid-js';
import { api, ApiError } from '../api.ts';
import type { Socket } from '../socket.ts';
import type { Router } from '../router.ts';
import type { Prefs } from './prefs.ts';
import type { Entry, ImageCache } from './image-cache.ts';
import type { ImageListItem, Task } from '../types.ts';

export type NavStatus = { kind: 'idle' | 'loading' | 'ready' } | { kind: 'done' | 'error'; message: string };

export interface Navigator {
  entry: Accessor<Entry | null>;
  status: Accessor<NavStatus>;
  /** why this image was chosen (strategy reason from the server) */
  reason: Accessor<string>;
  show(id: number): Promise<boolean>;
  next(): Promise<void>;
  prev(): Promise<void>;
  /** the next image to label by the current strategy */
  advance(): Promise<void>;
  /** re-render the current entry after its meta changed in place */
  touch(): void;
  /** images this browser annotated since their list window was fetched */
  markDone(id: number, done: boolean): void;
  /**
   * Run key actions one after another, so fast typing never acts twice on the image being left
   * (a key pressed while the next image is on its way applies to that next image). Held keys
   * (auto-repeat) are dropped while a few actions are already waiting.
   */
  queue(fn: () => Promise<unknown> | void, opts?: { droppable?: boolean }): void;
}

export function createNavigator(d: { task: Task; cache: ImageCache; socket: Socket; prefs: Prefs; router: Router }): Navigator {
  const [entry, setEntry] = createSignal<Entry | null>(null, { equals: false });
  const [status, setStatus] = createSignal<NavStatus>({ kind: 'idle' });
  const [reason, setReason] = createSignal('');
  const afterOf = new Map<number, Promise<number | null>>();
  const beforeOf = new Map<number, Promise<number | null>>();
  const done = new Map<number, boolean>();
  let listWin: { from: number; items: ImageListItem[] } | null = null;
  let candidate: { for: number; id: Promise<number | null>; strategy: string } | null = null;
  let token = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let waiting = 0;

  const neighbour = (id: number, dir: 'after' | 'before') => {
    const memo = dir === 'after' ? afterOf : beforeOf;
    let p = memo.get(id);
    if (!p) {
      p = api.next({ [dir]: id }).then((r) => r.id, () => { memo.delete(id); return null; });
      memo.set(id, p);
    }
    return p;
  };

  /** First image after `e` in id order that nobody has annotated: the sequential strategy's next. */
  async function firstUnlabelledAfter(e: Entry): Promise<number | null> {
    const from = e.meta.index + 1;
    if (!listWin || from < listWin.from || from > listWin.from + listWin.items.length - 8) {
      listWin = { from, items: (await api.images({ offset: from, limit: 64, sort: 'id' })).items };
    }
    const annotated = (it: ImageListItem) => done.get(it.id) ?? !!it.annotation;
    const hit = listWin.items.slice(from - listWin.from).find((it) => !annotated(it));
    return hit ? hit.id : null;
  }

  function prefetchAround(e: Entry) {
    void neighbour(e.id, 'after').then((id) => d.cache.prefetch(id));
    void neighbour(e.id, 'before').then((id) => d.cache.prefetch(id));
    // the strategy's next image, asked for while this one is still in view (exclude it) and prefetched
    const p = d.prefs.strategy() === 'sequential'
      ? firstUnlabelledAfter(e).catch(() => null)
      : api.next({ strategy: d.prefs.strategy(), class: strategyClass(), exclude: e.id }).then((r) => r.id, () => null);
    candidate = { for: e.id, id: p, strategy: d.prefs.strategy() };
    void p.then((id) => d.cache.prefetch(id));
  }

  async function show(id: number): Promise<boolean> {
    const t = ++token;
    if (!d.cache.peek(id)) setStatus({ kind: 'loading' });
    let e: Entry;
    try {
      e = await d.cache.get(id);
    } catch (err) {
      if (t !== token) return false;
      const msg = err instanceof ApiError && err.status === 404 ? `There is no image with id ${id}.` : (err as Error).message;
      setStatus({ kind: 'error', message: msg });
      return false;
    }
    if (t !== token) return false;
    setEntry(e);
    setStatus({ kind: 'ready' });
    const url = `/${d.task}?id=${id}`;
    if (location.pathname + location.search !== url) d.router.navigate(url, { replace: true });
    d.socket.focus(id);
    // predictions for images not in focus are not pushed: refresh a cached entry that may be stale
    if (Date.now() - e.loadedAt > 1000) {
      void d.cache.revalidate(id).then((fresh) => { if (fresh && entry()?.id === id) setEntry(fresh); }).catch(() => {});
    }
    prefetchAround(e);
    return true;
  }

  function strategyClass(): number | undefined {
    return d.prefs.strategy() === 'class' ? d.prefs.strategyClass() ?? undefined : undefined;
  }

  async function byServer(): Promise<void> {
    const cur = entry();
    const r = await api.next({ strategy: d.prefs.strategy(), class: strategyClass() });
    setReason(r.reason);
    if (r.id === null) { setStatus({ kind: 'done', message: r.reason }); return; }
    // the server hands back the image in view when it is still unannotated (a skip in segmentation)
    if (cur && r.id === cur.id) { await next(); return; }
    await show(r.id);
  }

  async function next() {
    const cur = entry();
    if (!cur) return;
    const id = await neighbour(cur.id, 'after');
    if (id === null) { setReason('this is the last image'); return; }
    await show(id);
  }

  return {
    entry, status, reason, show, next,
    async prev() {
      const cur = entry();
      if (!cur) return;
      const id = await neighbour(cur.id, 'before');
      if (id === null) { setReason('this is the first image'); return; }
      await show(id);
    },
    async advance() {
      const cur = entry();
      try {
        if (cur && candidate?.for === cur.id && candidate.strategy === d.prefs.strategy()) {
          const id = await candidate.id;
          if (id !== null && id !== cur.id && !done.get(id)) { setReason(d.prefs.strategy()); await show(id); return; }
        }
        await byServer();
      } catch (err) { setStatus({ kind: 'error', message: (err as Error).message }); }
    },
    touch() { setEntry(entry()); },
    markDone(id, v) { done.set(id, v); },
    queue(fn, opts) {
      if (opts?.droppable && waiting >= 2) return;
      waiting++;
      chain = chain.then(fn).catch((e) => setStatus({ kind: 'error', message: (e as Error).message })).finally(() => { waiting--; });
    },
  };
}
