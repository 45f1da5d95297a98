// Classification actions: label / accept / skip advance to the next image; undo goes back to the
// image and restores the label it had before (or none).
import { api, ApiError } from '../api.ts';
import type { Annotation, Class } from '../types.ts';
import type { Navigator } from './navigator.ts';
import type { ImageCache } from './image-cache.ts';

/** `done`: what the step wrote, in words ("label circle", "skip"), for the "undone: …" note */
interface UndoStep {
  imageId: number;
  previous: Annotation | null;
  done: string;
}

export function createClassifier(d: {
  nav: Navigator;
  cache: ImageCache;
  notify: (t: string, tone?: 'info' | 'error') => void;
  changed: () => void;
  /** the strategy next asks for: sequential moves on before the save returns (its next is known) */
  sequential: () => boolean;
}) {
  const undo: UndoStep[] = [];

  /**
   * Record, write, and move on. Sequential moves on at once (the next image is known and prefetched);
   * `wait` holds the move until the server agreed (accepting: a changed prediction must stay in view).
   */
  async function commit(
    write: () => Promise<{ annotation: Annotation }>,
    optimistic: Annotation,
    wait = false,
    done = 'label',
  ) {
    const cur = d.nav.entry();
    if (!cur) return;
    const step: UndoStep = { imageId: cur.id, previous: cur.meta.annotation, done };
    undo.push(step);
    if (undo.length > 200) undo.shift();
    d.cache.setAnnotation(cur.id, optimistic);
    d.nav.markDone(cur.id, true);
    const put = write().then(
      (r) => {
        d.cache.setAnnotation(cur.id, r.annotation);
        d.changed();
        return true;
      },
      async (e) => {
        d.cache.setAnnotation(cur.id, step.previous);
        d.nav.markDone(cur.id, false);
        undo.splice(undo.lastIndexOf(step), 1);
        if (e instanceof ApiError && e.code === 'stale_prediction') {
          // the model refitted between what was shown and the key: show the new prediction instead
          const meta = await api.image(cur.id).catch(() => null);
          if (meta) {
            cur.meta = meta;
            if (d.nav.entry()?.id === cur.id) d.nav.touch();
          }
          d.notify(
            `The prediction for #${cur.id} changed while you looked (now model v${meta?.prediction?.modelVersion ?? '?'}): check it, then accept again.`,
          );
        } else d.notify(`Image #${cur.id} was not saved: ${(e as Error).message}`, 'error');
        return false;
      },
    );
    if ((wait || !d.sequential()) && !(await put)) return;
    await d.nav.advance();
  }

  const base = (imageId: number) => ({ imageId, points: null, updatedAt: Date.now() });

  // every action runs in the navigator's queue: it applies to the image in view when its turn comes
  const q = (fn: () => Promise<unknown> | void) => d.nav.queue(fn);
  return {
    label(k: Class) {
      q(() => {
        const cur = d.nav.entry();
        if (cur)
          return commit(
            () => api.annotate(cur.id, { kind: 'label', classId: k.id }),
            { ...base(cur.id), kind: 'label', classId: k.id },
            false,
            `label ${k.name}`,
          );
      });
    },
    skip() {
      q(() => {
        const cur = d.nav.entry();
        if (cur)
          return commit(
            () => api.annotate(cur.id, { kind: 'skip' }),
            { ...base(cur.id), kind: 'skip', classId: null },
            false,
            'skip',
          );
      });
    },
    accept() {
      q(() => {
        const cur = d.nav.entry();
        const p = cur?.meta.prediction;
        if (!cur || !p || p.classId === null) {
          d.notify('There is no prediction for this image yet.');
          return;
        }
        return commit(
          () => api.acceptPrediction(cur.id, p.modelVersion),
          { ...base(cur.id), kind: 'label', classId: p.classId },
          true,
          'accepted prediction',
        );
      });
    },
    undo() {
      q(() => undoStep());
    },
    canUndo: () => undo.length > 0,
  };

  async function undoStep() {
    const step = undo.pop();
    if (!step) {
      d.notify('Nothing to undo.');
      return;
    }
    const p = step.previous;
    try {
      const r =
        p === null
          ? await api.unannotate(step.imageId)
          : await api.annotate(
              step.imageId,
              p.kind === 'label' && p.classId !== null ? { kind: 'label', classId: p.classId } : { kind: 'skip' },
            );
      d.cache.setAnnotation(step.imageId, r.annotation);
      d.nav.markDone(step.imageId, r.annotation !== null);
      d.changed();
      d.notify(`undone: ${step.done} on #${step.imageId}`);
    } catch (e) {
      d.notify(`Undo failed: ${(e as Error).message}`, 'error');
    }
    await d.nav.show(step.imageId);
    d.nav.touch();
  }
}
