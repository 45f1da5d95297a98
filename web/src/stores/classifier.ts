// Classification actions: label / accept / skip advance to the next image; undo goes back to the
// image and restores the label it had before (or none).
import { api } from '../api.ts';
import type { Annotation, Class } from '../types.ts';
import type { Navigator } from './navigator.ts';
import type { ImageCache } from './image-cache.ts';
import type { Prefs } from './prefs.ts';

interface UndoStep { imageId: number; previous: Annotation | null }

export function createClassifier(d: { nav: Navigator; cache: ImageCache; prefs: Prefs; notify: (t: string, tone?: 'info' | 'error') => void; changed: () => void }) {
  const undo: UndoStep[] = [];

  /** Record, write, and move on. Sequential moves on at once (the next image is known and prefetched). */
  async function commit(write: () => Promise<{ annotation: Annotation }>, optimistic: Annotation) {
    const cur = d.nav.entry();
    if (!cur) return;
    undo.push({ imageId: cur.id, previous: cur.meta.annotation });
    if (undo.length > 200) undo.shift();
    d.cache.setAnnotation(cur.id, optimistic);
    d.nav.markDone(cur.id, true);
    const put = write().then((r) => { d.cache.setAnnotation(cur.id, r.annotation); d.changed(); return true; }, (e) => {
      d.notify(`Image #${cur.id} was not saved: ${(e as Error).message}`, 'error');
      d.cache.setAnnotation(cur.id, undo.find((u) => u.imageId === cur.id)?.previous ?? null);
      d.nav.markDone(cur.id, false);
      return false;
    });
    if (d.prefs.strategy() !== 'sequential' && !(await put)) return;
    await d.nav.advance();
  }

  const base = (imageId: number) => ({ imageId, points: null, updatedAt: Date.now() });

  // every action runs in the navigator's queue: it applies to the image in view when its turn comes
  const q = (fn: () => Promise<unknown> | void) => d.nav.queue(fn);
  return {
    label(k: Class) {
      q(() => { const cur = d.nav.entry(); if (cur) return commit(() => api.annotate(cur.id, { kind: 'label', classId: k.id }), { ...base(cur.id), kind: 'label', classId: k.id }); });
    },
    skip() {
      q(() => { const cur = d.nav.entry(); if (cur) return commit(() => api.annotate(cur.id, { kind: 'skip' }), { ...base(cur.id), kind: 'skip', classId: null }); });
    },
    accept() {
      q(() => {
        const cur = d.nav.entry();
        const p = cur?.meta.prediction;
        if (!cur || !p || p.classId === null) { d.notify('There is no prediction for this image yet.'); return; }
        return commit(() => api.acceptPrediction(cur.id), { ...base(cur.id), kind: 'label', classId: p.classId });
      });
    },
    undo() { q(() => undoStep()); },
    canUndo: () => undo.length > 0,
  };

  async function undoStep() {
    const step = undo.pop();
    if (!step) { d.notify('Nothing to undo.'); return; }
    const p = step.previous;
    try {
      const r = p === null ? await api.unannotate(step.imageId)
        : await api.annotate(step.imageId, p.kind === 'label' && p.classId !== null ? { kind: 'label', classId: p.classId } : { kind: 'skip' });
      d.cache.setAnnotation(step.imageId, r.annotation);
      d.nav.markDone(step.imageId, r.annotation !== null);
      d.changed();
    } catch (e) {
      d.notify(`Undo failed: ${(e as Error).message}`, 'error');
    }
    await d.nav.show(step.imageId);
    d.nav.touch();
  }
}
