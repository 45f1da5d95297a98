// Segmentation annotations between the editor and the server: one ImageState per visited image,
// saved when leaving it and every few seconds, with a synchronous local draft after every edit so
// a reload or a crash never loses paint (the draft is replayed, then saved, then dropped).
import { createSignal } from 'solid-js';
import { api } from '../api.ts';
import { newImageState, type ImageState } from '../seg/editor.ts';
import { browserDeflate, encodeIndexPng } from '../seg/png.ts';
import { encodeBase64 } from '../seg/overlay-math.ts';
import { rleDecode, rleEncode } from '../seg/rle.ts';
import type { Entry, ImageCache } from './image-cache.ts';
import type { Point } from '../types.ts';

/** 'idle': nothing saved from this page yet and nothing to save (no status is shown) */
export type SaveState = 'idle' | 'saved' | 'saving' | 'unsaved' | 'error';
interface Draft {
  at: number;
  w: number;
  h: number;
  mask: number[];
  points: Point[];
}

export function createSegmenter(d: {
  session: () => string;
  cache: ImageCache;
  notify: (t: string, tone?: 'info' | 'error') => void;
  onSaved?: (id: number, annotated: boolean) => void;
}) {
  const states = new Map<number, ImageState>();
  const saving = new Map<number, Promise<boolean>>();
  const [status, setStatus] = createSignal<SaveState>('idle');
  let savedOnce = false;
  const key = (id: number) => `hilt.draft.${d.session()}.${id}`;

  function readDraft(id: number): Draft | null {
    try {
      const raw = localStorage.getItem(key(id));
      return raw ? (JSON.parse(raw) as Draft) : null;
    } catch {
      return null;
    }
  }
  function writeDraft(s: ImageState) {
    try {
      localStorage.setItem(
        key(s.id),
        JSON.stringify({
          at: Date.now(),
          w: s.width,
          h: s.height,
          mask: rleEncode(s.mask),
          points: s.points,
        } satisfies Draft),
      );
    } catch {
      /* storage full: the timed save still runs */
    }
  }
  const dropDraft = (id: number) => {
    try {
      localStorage.removeItem(key(id));
    } catch {
      /* ignore */
    }
  };

  function refresh() {
    const dirty = [...states.values()].some((s) => s.dirty);
    if (status() !== 'error' || !dirty)
      setStatus(saving.size ? 'saving' : dirty ? 'unsaved' : savedOnce ? 'saved' : 'idle');
  }

  async function saveOne(s: ImageState, keepalive: boolean): Promise<boolean> {
    if (!s.dirty) return true;
    const rev = s.rev,
      mask = s.mask.slice(),
      points = s.points.map((p) => ({ ...p }));
    setStatus('saving');
    try {
      const png = await encodeIndexPng(mask, s.width, s.height, browserDeflate);
      const b64 = encodeBase64(png);
      // keepalive requests are capped at 64 KB: bigger masks rely on the draft instead
      const r = await api.annotate(s.id, { kind: 'mask', points, mask: b64 }, keepalive && b64.length < 60_000);
      d.cache.setAnnotation(s.id, r.annotation, mask);
      d.onSaved?.(s.id, true); // the server counts any saved row as annotated
      if (s.rev === rev) {
        s.dirty = false;
        dropDraft(s.id);
      }
      savedOnce = true;
      return true;
    } catch (e) {
      d.notify(`Image #${s.id} not saved yet (kept locally, retrying): ${(e as Error).message}`, 'error');
      setStatus('error');
      return false;
    }
  }

  function save(s: ImageState, keepalive = false): Promise<boolean> {
    // one save per image at a time; edits made meanwhile go in the next one
    const prev = saving.get(s.id) ?? Promise.resolve(true);
    const p = prev
      .then(() => saveOne(s, keepalive))
      .finally(() => {
        if (saving.get(s.id) === p) saving.delete(s.id);
        refresh();
      });
    saving.set(s.id, p);
    return p;
  }

  const timer = setInterval(() => {
    for (const s of states.values()) if (s.dirty && !saving.has(s.id)) void save(s);
  }, 3000);
  const onHide = () => {
    for (const s of states.values())
      if (s.dirty) {
        writeDraft(s);
        void save(s, true);
      }
  };
  window.addEventListener('pagehide', onHide);
  const onVis = () => {
    if (document.visibilityState === 'hidden') onHide();
  };
  document.addEventListener('visibilitychange', onVis);

  return {
    status,
    /** The editable state of an image: kept from an earlier visit, or the saved one, or a newer local draft. */
    stateFor(e: Entry): ImageState {
      const have = states.get(e.id);
      if (have) return have;
      const { width: w, height: h } = e.meta.image;
      const s = newImageState(
        e.id,
        w,
        h,
        e.mask ? e.mask.slice() : null,
        (e.meta.annotation?.points ?? []).map((p) => ({ ...p })),
      );
      const draft = readDraft(e.id);
      if (draft && draft.w === w && draft.h === h && draft.at > (e.meta.annotation?.updatedAt ?? 0)) {
        s.mask = rleDecode(draft.mask, w * h);
        s.points = draft.points;
        s.dirty = true;
      } else if (draft) dropDraft(e.id);
      states.set(e.id, s);
      // keep memory bounded: forget clean states of images visited long ago
      for (const [id, st] of states) {
        if (states.size <= 30) break;
        if (!st.dirty && id !== e.id) states.delete(id);
      }
      refresh();
      return s;
    },
    /** After every edit: the draft is written at once (synchronously), the save follows. */
    edited(s: ImageState, kind: 'stroke' | 'done') {
      if (kind === 'done') writeDraft(s);
      refresh();
    },
    save,
    async flush(): Promise<boolean> {
      const all = await Promise.all([...states.values()].filter((s) => s.dirty).map((s) => save(s)));
      return all.every(Boolean);
    },
    /** The session was reset: local work belonged to the archived one. */
    forget() {
      for (const id of states.keys()) dropDraft(id);
      states.clear();
      refresh();
    },
    dispose() {
      onHide();
      clearInterval(timer);
      window.removeEventListener('pagehide', onHide);
      document.removeEventListener('visibilitychange', onVis);
    },
  };
}
export type Segmenter = ReturnType<typeof createSegmenter>;
