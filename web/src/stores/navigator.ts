// Which image is in view and how to move: id order (prev/next), by strategy (advance), or by id.
// Neighbours and the strategy's likely next image are prefetched, so moving on paints at once.
import { createSignal, type Accessor } from 'solid-js';
import { api, ApiError } from '../api.ts';
import type { Socket } from '../socket.ts';
import type { Router } from '../router.ts';
import type { Entry, ImageCache } from './image-cache.ts';
import type { Task } from '../types.ts';
import type { ImageListItem } from '../api-types.ts';

export type NavStatus = { kind: 'idle' | 'loading' | 'ready' } | { kind: 'done' | 'error'; message: string };

export interface Navigator {
  entry: Accessor<Entry | null>;
  status: Accessor<NavStatus>;
  /** what picked the last image by strategy, when it is not simply that strategy (a fallback, an end) */
  reason: Accessor<string>;
  /** why the image in view was suggested, in words ("model unsure: cat vs dog"); '' when it was not
   *  picked by a strategy that has something to say (sequential order, moves by id) */
  why: Accessor<string>;
  show(id: number): Promise<boolean>;
  next(): Promise<void>;
  prev(): Promise<void>;
  /**
   * One → / ← press: queued like every key action, and presses made while earlier ones are still on
   * their way add up to one walk (30 quick presses move 30 images, only the last one is loaded).
   * `leaving` runs once before the walk (segmentation saves the image it leaves).
   */
  move(dir: 1 | -1, leaving?: () => unknown): void;
  /** the next image to label by the current strategy */
  advance(): Promise<void>;
  /** re-render the current entry after its meta changed in place */
  touch(): void;
  /** the strategy changed: ask again which image comes next (and prefetch it); the view stays */
  replan(): void;
  /** images this browser annotated since their list window was fetched */
  markDone(id: number, done: boolean): void;
  /**
   * Run key actions one after another, so fast typing never acts twice on the image being left
   * (a key pressed while the next image is on its way applies to that next image). Nothing is dropped.
   */
  queue(fn: () => Promise<unknown> | void): void;
}

/** What "next by strategy" asks the server for (the strategy store resolves fallbacks). */
export interface NextPick {
  strategy: string;
  class?: number;
}

export function createNavigator(d: {
  task: Task;
  cache: ImageCache;
  socket: Socket;
  pick: () => NextPick;
  router: Router;
}): Navigator {
  const pickKey = () => JSON.stringify(d.pick());
  const [entry, setEntry] = createSignal<Entry | null>(null, { equals: false });
  const [status, setStatus] = createSignal<NavStatus>({ kind: 'idle' });
  // a reason belongs to the strategy it was given for: a new strategy starts without one
  const [said, setSaid] = createSignal({ text: '', pick: '' });
  const setReason = (text: string) => setSaid({ text, pick: pickKey() });
  const reason = () => (said().pick === pickKey() ? said().text : '');
  // why an image was picked belongs to that image: moving away by id hides it
  const [picked, setPicked] = createSignal<{ id: number; why: string } | null>(null);
  const why = () => {
    const p = picked(),
      e = entry();
    return p && e && p.id === e.id ? p.why : '';
  };
  /** the server's words for a pick: its `why`, else what picked it unless that is plain sequential order */
  const whyOf = (r: { reason: string; why?: string }) => r.why ?? (r.reason === 'sequential' ? '' : r.reason);
  const afterOf = new Map<number, Promise<number | null>>();
  const beforeOf = new Map<number, Promise<number | null>>();
  const done = new Map<number, boolean>();
  let listWin: { from: number; items: ImageListItem[] } | null = null;
  let candidate: { for: number; next: Promise<{ id: number | null; why: string }>; pick: string } | null = null;
  let token = 0;
  let chain: Promise<unknown> = Promise.resolve();
  /** the last queued task when it is a move that has not started: later presses add to it */
  let tail: { steps: number } | null = null;

  const neighbour = (id: number, dir: 'after' | 'before') => {
    const memo = dir === 'after' ? afterOf : beforeOf;
    let p = memo.get(id);
    if (!p) {
      p = api.next({ [dir]: id }).then(
        (r) => r.id,
        () => {
          memo.delete(id);
          return null;
        },
      );
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
    const pick = d.pick();
    const p =
      pick.strategy === 'sequential'
        ? firstUnlabelledAfter(e).then(
            (id) => ({ id, why: '' }),
            () => ({ id: null, why: '' }),
          )
        : api.next({ ...pick, exclude: e.id }).then(
            (r) => ({ id: r.id, why: whyOf(r) }),
            () => ({ id: null, why: '' }),
          );
    candidate = { for: e.id, next: p, pick: pickKey() };
    void p.then((c) => d.cache.prefetch(c.id));
  }

  async function show(id: number): Promise<boolean> {
    const t = ++token;
    if (!d.cache.peek(id)) setStatus({ kind: 'loading' });
    let e: Entry;
    try {
      e = await d.cache.get(id);
    } catch (err) {
      if (t !== token) return false;
      const msg =
        err instanceof ApiError && err.status === 404 ? `There is no image with id ${id}.` : (err as Error).message;
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
      void d.cache
        .revalidate(id)
        .then((fresh) => {
          if (fresh && entry()?.id === id) setEntry(fresh);
        })
        .catch(() => {});
    }
    prefetchAround(e);
    return true;
  }

  async function byServer(): Promise<void> {
    const cur = entry();
    const r = await api.next(d.pick());
    setReason(r.reason);
    if (r.id === null) {
      setStatus({ kind: 'done', message: r.reason });
      return;
    }
    // the server's words for why this image ("model unsure: cat vs dog")
    setPicked({ id: r.id, why: whyOf(r) });
    // the server hands back the image in view when it is still unannotated (a skip in segmentation)
    if (cur && r.id === cur.id) {
      await next();
      return;
    }
    await show(r.id);
  }

  /** `steps` images on in id order (back when negative), stopping at the ends. */
  async function walk(steps: number) {
    const cur = entry();
    if (!cur || !steps) return;
    const dir = steps > 0 ? 'after' : 'before';
    let id = cur.id;
    for (let i = 0; i < Math.abs(steps); i++) {
      const n = await neighbour(id, dir);
      if (n === null) {
        setReason(steps > 0 ? 'this is the last image' : 'this is the first image');
        break;
      }
      id = n;
    }
    if (id !== cur.id) await show(id);
  }

  const next = () => walk(1);

  return {
    entry,
    status,
    reason,
    why,
    show,
    next,
    prev: () => walk(-1),
    async advance() {
      const cur = entry();
      try {
        if (cur && candidate?.for === cur.id && candidate.pick === pickKey()) {
          const { id, why: w } = await candidate.next;
          if (id !== null && id !== cur.id && !done.get(id)) {
            setReason(d.pick().strategy);
            setPicked({ id, why: w });
            await show(id);
            return;
          }
        }
        await byServer();
      } catch (err) {
        setStatus({ kind: 'error', message: (err as Error).message });
      }
    },
    touch() {
      setEntry(entry());
    },
    replan() {
      const e = entry();
      if (e) prefetchAround(e);
    },
    markDone(id, v) {
      done.set(id, v);
    },
    move(dir, leaving) {
      if (tail) {
        tail.steps += dir;
        return;
      }
      const m = { steps: dir };
      tail = m;
      run(async () => {
        if (tail === m) tail = null; // started: presses from now on queue a new walk
        if (!m.steps) return;
        await leaving?.();
        await walk(m.steps);
      });
    },
    queue(fn) {
      tail = null;
      run(fn);
    },
  };

  function run(fn: () => Promise<unknown> | void) {
    chain = chain.then(fn).catch((e) => setStatus({ kind: 'error', message: (e as Error).message }));
  }
}
