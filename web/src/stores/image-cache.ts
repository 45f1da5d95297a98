// Prefetch cache of images: metadata (annotation + prediction), the decoded image element and, for
// segmentation, the mask. Moving to a cached image paints at once; socket frames patch entries.
import { api } from '../api.ts';
import { browserInflate, decodeIndexPng } from '../seg/png.ts';
import type { Prediction, Annotation } from '../types.ts';
import type { ImageMeta } from '../api-types.ts';

/** GET /api/images/:id, whose prediction socket frames replace (the frame's model version may be absent) */
export type Meta = Omit<ImageMeta, 'prediction'> & { prediction: Prediction | null };

export interface Entry {
  id: number;
  meta: Meta;
  /** decoded, ready to paint */
  img: HTMLImageElement;
  /** segmentation: the saved class-index mask (null = none) */
  mask: Uint8Array | null;
  loadedAt: number;
}

const LIMIT = 24;

export function createImageCache(opts: { withMask: () => boolean }) {
  const entries = new Map<number, Entry>();
  const pending = new Map<number, Promise<Entry>>();
  let generation = 0;

  async function load(id: number): Promise<Entry> {
    const gen = generation;
    const img = new Image();
    img.decoding = 'async';
    img.draggable = false;
    img.src = api.fileUrl(id);
    // meta, bytes and mask in parallel; decode() so the first paint needs no decoding
    const [meta] = await Promise.all([
      api.image(id),
      img.decode().catch(() => {
        /* broken file: shown as such */
      }),
    ]);
    let mask: Uint8Array | null = null;
    if (opts.withMask() && meta.annotation?.hasMask) {
      const png = await api.mask(id);
      if (png) {
        const m = await decodeIndexPng(png, browserInflate);
        if (m.width === meta.image.width && m.height === meta.image.height) mask = m.data;
      }
    }
    const e: Entry = { id, meta, img, mask, loadedAt: Date.now() };
    if (gen === generation) {
      entries.delete(id);
      entries.set(id, e);
      while (entries.size > LIMIT) entries.delete(entries.keys().next().value!);
    }
    return e;
  }

  return {
    peek: (id: number) => entries.get(id),
    /** the entry, from cache or loaded (concurrent calls share one load) */
    get(id: number): Promise<Entry> {
      const hit = entries.get(id);
      if (hit) {
        entries.delete(id);
        entries.set(id, hit);
        return Promise.resolve(hit);
      }
      let p = pending.get(id);
      if (!p) {
        p = load(id).finally(() => pending.delete(id));
        pending.set(id, p);
      }
      return p;
    },
    prefetch(id: number | null | undefined) {
      if (id === null || id === undefined || entries.has(id) || pending.has(id)) return;
      this.get(id).catch(() => {
        /* the real visit shows the error */
      });
    },
    /** refetch the metadata of a cached entry (predictions for unfocused images are not pushed) */
    async revalidate(id: number): Promise<Entry | undefined> {
      const e = entries.get(id);
      if (!e) return undefined;
      const meta = await api.image(id);
      e.meta = meta;
      e.loadedAt = Date.now();
      return e;
    },
    setPrediction(p: Prediction) {
      const e = entries.get(p.imageId);
      if (e) e.meta = { ...e.meta, prediction: p };
    },
    setAnnotation(id: number, a: Annotation | null, mask?: Uint8Array | null) {
      const e = entries.get(id);
      if (!e) return;
      e.meta = { ...e.meta, annotation: a };
      if (mask !== undefined) e.mask = mask;
    },
    drop(id: number) {
      entries.delete(id);
    },
    clear() {
      entries.clear();
      pending.clear();
      generation++;
    },
  };
}
export type ImageCache = ReturnType<typeof createImageCache>;
