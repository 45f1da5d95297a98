// Superpixels per image, computed once in a worker at a working size (at most ~0.3 MP: superpixels are
// ~1200 per image whatever its size) and kept for the last few images visited.
import { imagePixels } from './pixels.ts';
import { spMap, type SpMap } from './superpixel-brush.ts';

const MAX_PIXELS = 300_000;
const KEEP = 8;

export function createSuperpixelStore() {
  let worker: Worker | null = null;
  const done = new Map<string, Promise<SpMap>>();
  const waiting = new Map<string, { resolve: (m: SpMap) => void; reject: (e: Error) => void; W: number; H: number }>();
  const start = () => {
    if (worker) return worker;
    worker = new Worker(new URL('./superpixel-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (
      e: MessageEvent<{ key: string; labels: Int32Array; count: number; width: number; height: number }>,
    ) => {
      const w = waiting.get(e.data.key);
      waiting.delete(e.data.key);
      w?.resolve(
        spMap({ labels: e.data.labels, count: e.data.count, width: e.data.width, height: e.data.height }, w.W, w.H),
      );
    };
    worker.onerror = (e) => {
      for (const w of waiting.values()) w.reject(new Error(e.message));
      waiting.clear();
    };
    return worker;
  };
  return {
    /** The superpixels of image `id` (W×H), computing them once. */
    get(id: number, img: HTMLImageElement, W: number, H: number): Promise<SpMap> {
      const key = `${id}:${W}x${H}`;
      const hit = done.get(key);
      if (hit) {
        done.delete(key);
        done.set(key, hit);
        return hit;
      }
      const s = Math.min(1, Math.sqrt(MAX_PIXELS / (W * H))),
        w = Math.max(1, Math.round(W * s)),
        h = Math.max(1, Math.round(H * s));
      const g = imagePixels(img, w, h);
      if (!g) return Promise.reject(new Error('the image is not decoded yet'));
      const p = new Promise<SpMap>((resolve, reject) => {
        waiting.set(key, { resolve, reject, W, H });
        const data = new Uint8ClampedArray(g.data as Uint8ClampedArray); // a copy: the cached pixels stay
        start().postMessage({ key, data, width: w, height: h }, [data.buffer]);
      });
      done.set(key, p);
      p.catch(() => done.delete(key));
      while (done.size > KEEP) done.delete(done.keys().next().value!);
      return p;
    },
    dispose() {
      worker?.terminate();
      worker = null;
    },
  };
}
export type SuperpixelStore = ReturnType<typeof createSuperpixelStore>;
