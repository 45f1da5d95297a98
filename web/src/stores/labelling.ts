// What both labelling pages share: the prefetch cache, the navigator, the ?id= in the URL, socket
// frames patching the view, and the header's image id / position. Call inside a page component.
import { createEffect, createMemo, on, onCleanup, untrack } from 'solid-js';
import { useApp } from '../context.ts';
import { createImageCache } from './image-cache.ts';
import { createNavigator } from './navigator.ts';
import type { WebTask } from '../tasks/task.ts';

export function createLabelling(t: WebTask) {
  const app = useApp();
  const { router, socket, session, ui, strategy } = app;
  const task = t.name;
  const cache = createImageCache({ withMask: () => t.labelling.withMask });
  const nav = createNavigator({ task, cache, socket, pick: strategy.pick, router });

  // the URL says which image: typed, jumped to, opened from browse, or reloaded
  // (only the URL is tracked: show() itself rewrites the URL after the entry changed)
  createEffect(
    on(
      () => [router.path(), router.query().get('id')] as const,
      ([path, raw]) => {
        const id = raw && /^\d+$/.test(raw) ? Number(raw) : null;
        if (path !== `/${task}`) return;
        const cur = untrack(nav.entry);
        if (id === null) {
          if (!cur) void nav.advance();
          return;
        }
        if (cur?.id !== id) void nav.show(id);
      },
    ),
  );

  // an image that failed to load (an unknown id) is not "the current image": the header says none
  createEffect(() => {
    const e = nav.status().kind === 'error' ? null : nav.entry();
    ui.setImageId(e?.id ?? null);
    ui.setPosition(e ? { index: e.meta.index, total: e.meta.total } : null);
  });
  onCleanup(() => {
    ui.setImageId(null);
    ui.setPosition(null);
  });

  const offs = [
    socket.on('prediction', (m) => {
      cache.setPrediction({ ...m.prediction, modelVersion: m.modelVersion });
      if (nav.entry()?.id === m.prediction.imageId) nav.touch();
    }),
    socket.on('annotation', (m) => {
      // another tab or annotator changed it; our own writes arrive here too (harmless)
      const e = cache.peek(m.imageId);
      if (e && t.labelling.patchAnnotations) {
        cache.setAnnotation(m.imageId, m.annotation);
        if (nav.entry()?.id === m.imageId) nav.touch();
      }
    }),
  ];
  onCleanup(() => offs.forEach((f) => f()));

  // a reset or class deletion drops annotations and predictions: reload what is in view
  createEffect(
    on(
      session.epoch,
      () => {
        cache.clear();
        const cur = nav.entry();
        if (cur) void nav.show(cur.id);
      },
      { defer: true },
    ),
  );

  // changing the strategy (or its falling back, trainer gone) re-plans what "next" means (prefetch
  // follows); the image in view stays. A memo: session refreshes recompute the same pick, no re-plan
  const pick = createMemo(() => JSON.stringify(strategy.pick()));
  createEffect(on(pick, () => nav.replan(), { defer: true }));

  return { cache, nav, app };
}
