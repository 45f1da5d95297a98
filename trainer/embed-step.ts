// One embedding batch of the loop: each image read from disk where the trainer can see the imported file, else
// from the server's file route; embedded; its rows stored in the session's feature cache; a failure noted
// (the image is skipped, never retried this run) and logged.
import { existsSync } from 'node:fs';
import type { ImageRef } from '../common/protocol.ts';
import { readImported } from '../common/imported-file.ts';
import type { EmbedQueue } from './embed-queue.ts';
import type { FeatureCache } from './features.ts';
import type { Embedder, EmbedItem, EmbedMode, TrainerIO } from './types.ts';

export interface EmbedStepHost {
  readonly io: TrainerIO;
  readonly embedder: Embedder;
  readonly mode: EmbedMode;
  readonly images: Map<number, ImageRef>;
  readonly cache: FeatureCache | null;
  readonly queue: EmbedQueue;
  readonly focus: number[];
  readonly failed: Map<number, string>;
  readonly embedded: Set<number>;
}

/** the rows a batch stored, in the layout the sweep predicts from */
export interface EmbeddedRows {
  ids: number[];
  values: Float32Array;
  shapes: { h: number; w: number; d: number }[];
}

/** The bytes of an image: the imported file where it lies on this host, else the server's file route. */
export function imageSource(io: TrainerIO, i: ImageRef): EmbedItem['source'] {
  return async () => {
    if (existsSync(i.path)) return readImported(i); // only the bytes imported, as the server's file route
    const r = await fetch(`${io.httpBase}/images/${i.id}/file`, { headers: io.httpHeaders });
    if (!r.ok) throw new Error(`server answered ${r.status} for image ${i.id}`);
    return Buffer.from(await r.arrayBuffer());
  };
}

/** Embed `batch` (and start decoding the next one), store what came out, note what failed. */
export async function embedStep(h: EmbedStepHost, batch: ImageRef[]): Promise<EmbeddedRows> {
  const mode = h.mode;
  const item = (i: ImageRef) => ({ id: i.id, sha: i.sha256, source: imageSource(h.io, i) });
  const running = h.embedder.embed(batch.map(item), mode);
  h.embedder.prefetch?.(
    h.queue.next(h.embedder.batchSize, h.focus, h.images, new Set(batch.map((i) => i.id))).map(item),
    mode,
  );
  const results = await running;
  const ids: number[] = [],
    rows: Float32Array[] = [],
    shapes: EmbeddedRows['shapes'] = [];
  for (const r of results) {
    const img = h.images.get(r.id);
    if (!img || !h.cache) continue;
    if (r.error) {
      h.failed.set(r.id, r.error);
      h.io.log(`image ${r.id} (${img.path}) skipped: ${r.error}`);
      continue;
    }
    if (r.pooled) {
      h.cache.putPooled(img, r.pooled);
      ids.push(r.id);
      rows.push(r.pooled);
      shapes.push({ h: 1, w: 1, d: r.pooled.length });
    }
    if (r.grid) {
      h.cache.putGrid(img, r.grid);
      ids.push(r.id);
      rows.push(r.grid.data);
      shapes.push({ h: r.grid.h, w: r.grid.w, d: r.grid.d });
    }
    h.embedded.add(r.id);
  }
  const values = new Float32Array(rows.reduce((s, v) => s + v.length, 0));
  rows.reduce((o, v) => (values.set(v, o), o + v.length), 0);
  return { ids, values, shapes };
}
