// The trainer's feature cache: one FeatureStore per backbone + resolution + mode (a single file of rows,
// trainer/feature-store.ts), keyed by image id and checked against the image's sha256, so a restart
// reuses it and a changed file is embedded again. Pooled vectors (classification) and patch grids
// (segmentation) are read from disk on demand; a byte-bounded LRU keeps the rows read most (the labelled
// images, read at every refit) decoded in memory.
import { join } from 'node:path';
import { FeatureStore, StoreBusy, type Dtype } from './feature-store.ts';

export interface Grid {
  data: Float32Array;
  h: number;
  w: number;
  d: number;
}
/** what the cache needs of an image: its id and the sha256 of its bytes */
export interface Keyed {
  id: number;
  sha256: string;
}

/**
 * Pooled rows are fp16 on disk (half the file: 1M × 768 is 1.5 GB). The ONNX export check compares the
 * exported model (float32 features) with the trainer's stored probabilities at 1e-3: measured with fp16
 * rows the largest difference was 1.5e-4 (5.0e-5 with f32; tests/export-onnx.test.ts, mobilenetv2-imagenet).
 * HILT_POOLED_DTYPE=f32 keeps exact float32 rows. Each dtype has its own folder, so switching never
 * misreads a store. Patch grids are fp16 (their check is per byte of a quantised map).
 */
export const POOLED_DTYPE: Dtype = process.env.HILT_POOLED_DTYPE === 'f32' ? 'f32' : 'f16';

export class FeatureCache {
  readonly dir: string;
  private stores = new Map<'pooled' | 'grid', FeatureStore>();
  private lru = new Map<number, { sha: string; data: Float32Array; h: number; w: number }>();
  private lruBytes = 0;

  constructor(
    root: string,
    key: string,
    private maxCacheBytes = 64 << 20,
  ) {
    this.dir = join(root, key.replace(/[^A-Za-z0-9._-]/g, '_'));
  }

  private store(kind: 'pooled' | 'grid'): FeatureStore {
    let s = this.stores.get(kind);
    if (!s) {
      const dtype = kind === 'grid' ? 'f16' : POOLED_DTYPE;
      s = openStore(join(this.dir, `${kind}-${dtype}`), dtype);
      this.stores.set(kind, s);
    }
    return s;
  }

  hasPooled(i: Keyed): boolean {
    return this.store('pooled').has(i.id, i.sha256);
  }
  getPooled(i: Keyed): Float32Array | null {
    return this.cached('pooled', i)?.data ?? null;
  }
  putPooled(i: Keyed, v: Float32Array): void {
    this.forget(i.id);
    this.store('pooled').put(i.id, i.sha256, v, { h: 1, w: 1, d: v.length });
  }

  hasGrid(i: Keyed): boolean {
    return this.store('grid').has(i.id, i.sha256);
  }
  getGrid(i: Keyed): Grid | null {
    const r = this.cached('grid', i);
    return r ? { data: r.data, h: r.h, w: r.w, d: r.data.length / (r.h * r.w) } : null;
  }
  putGrid(i: Keyed, g: Grid): void {
    this.forget(i.id);
    this.store('grid').put(i.id, i.sha256, g.data, { h: g.h, w: g.w, d: g.d });
  }

  /** The store of one mode, for reading every row in file order (trainer/sweep.ts). */
  rows(kind: 'pooled' | 'grid'): FeatureStore {
    return this.store(kind);
  }

  /** write what is buffered (the loop calls this when its queue drains, and before exiting) */
  flush(): void {
    for (const s of this.stores.values()) s.flush();
  }
  close(): void {
    for (const s of this.stores.values()) closeStore(s);
    this.stores.clear();
    this.lru.clear();
    this.lruBytes = 0;
  }

  private cached(kind: 'pooled' | 'grid', i: Keyed) {
    const hit = this.lru.get(i.id);
    if (hit && hit.sha === i.sha256) {
      this.lru.delete(i.id);
      this.lru.set(i.id, hit);
      return hit;
    }
    const r = this.store(kind).get(i.id, i.sha256);
    if (!r) return null;
    const e = { sha: i.sha256, data: r.data, h: r.shape.h, w: r.shape.w };
    this.forget(i.id);
    this.lru.set(i.id, e);
    this.lruBytes += e.data.byteLength;
    while (this.lruBytes > this.maxCacheBytes && this.lru.size > 1) this.forget(this.lru.keys().next().value as number);
    return e;
  }
  private forget(id: number): void {
    const e = this.lru.get(id);
    if (e) {
      this.lru.delete(id);
      this.lruBytes -= e.data.byteLength;
    }
  }
}

/** Stores open in this process, shared (a new Trainer in the same process, as `hilt simulate` makes, reuses
 *  the open one instead of loading its index again) and counted, closed with the last user. */
const open = new Map<string, { store: FeatureStore; users: number }>();

function openStore(dir: string, dtype: Dtype): FeatureStore {
  const hit = open.get(dir);
  if (hit) {
    hit.users++;
    return hit.store;
  }
  let store: FeatureStore;
  try {
    store = new FeatureStore(dir, dtype);
  } catch (e) {
    if (!(e instanceof StoreBusy)) throw e;
    // another process writes it: a private store for this one (features are embedded again here)
    return openStore(`${dir}.pid${process.pid}`, dtype);
  }
  open.set(dir, { store, users: 1 });
  return store;
}

function closeStore(store: FeatureStore): void {
  const e = open.get(store.dir);
  if (!e || e.store !== store) return;
  if (--e.users > 0) {
    store.flush();
    return;
  }
  open.delete(store.dir);
  store.close();
}
