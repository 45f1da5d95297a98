// Adapts the backbone embedder (trainer/embed.ts) to the loop: per-item errors, decoding in parallel.
import { createEmbedder, type EmbedderOptions } from './embed.ts';
import type { Embedder, EmbedItem, EmbedMode, EmbedResult } from './types.ts';

export async function loopEmbedder(o: EmbedderOptions): Promise<Embedder & { tried: string }> {
  const e = await createEmbedder(o);
  const i = e.info;
  type Prepared = { it: EmbedItem; img: Awaited<ReturnType<typeof e.prepare>> } | { it: EmbedItem; error: string };
  const ahead = new Map<string, Promise<Prepared>>(); // `${mode}:${id}` → decoding in flight
  const prepare = (it: EmbedItem, mode: EmbedMode): Promise<Prepared> => {
    const key = `${mode}:${it.id}`;
    let p = ahead.get(key);
    if (p) {
      ahead.delete(key);
      return p;
    }
    p = (async () => {
      try {
        return { it, img: await e.prepare(await it.source(), mode) };
      } catch (err) {
        return { it, error: (err as Error).message };
      }
    })();
    return p;
  };
  // the model folder's config hash is in the cache keys (trainer/backbones/folder.ts): a rebuilt or replaced
  // model writes new caches, rows of another graph are never mixed in
  const key = `${i.backbone.replace(/[\\/]/g, '_')}-${i.configHash}-r${i.resolution}-s${i.segShortSide}`;
  return {
    info: {
      backbone: i.backbone,
      device: i.device,
      note: i.note,
      key,
      dir: e.backbone.dir,
      patchSize: e.backbone.patchSize,
      registers: e.backbone.numRegisters,
      resolution: i.resolution,
      segShortSide: i.segShortSide,
    },
    tried: i.tried.map((t) => `${t.device}: ${t.ok ? 'ok' : t.reason}`).join('; '),
    batchSize: i.batchSize,
    async embed(items: EmbedItem[], mode: EmbedMode): Promise<EmbedResult[]> {
      // decode + resize all items of the batch at once (sharp runs them on libuv's thread pool), or pick
      // up what prefetch() started while the previous batch was running
      const prepared = await Promise.all(items.map((it) => prepare(it, mode)));
      const ok = prepared.filter((p) => 'img' in p) as { it: EmbedItem; img: Awaited<ReturnType<typeof e.prepare>> }[];
      const out: EmbedResult[] = prepared
        .filter((p) => 'error' in p)
        .map((p) => ({ id: p.it.id, error: `cannot decode: ${(p as { error: string }).error}` }));
      if (ok.length) {
        const embs = await e.embedBatch(
          ok.map((p) => p.img),
          mode,
        );
        embs.forEach((emb, k) => {
          out.push(
            mode === 'grid' && emb.grid
              ? {
                  id: ok[k].it.id,
                  grid: {
                    data: emb.grid.data,
                    h: emb.grid.h,
                    w: emb.grid.w,
                    d: emb.grid.data.length / (emb.grid.h * emb.grid.w),
                  },
                }
              : { id: ok[k].it.id, pooled: emb.pooled },
          );
        });
      }
      return out;
    },
    async embedCrops(crops: Uint8Array[], side: number): Promise<Float32Array[]> {
      const embs = await e.embedBatch(
        crops.map((px) => e.prepareCrop(px, side)),
        'pooled',
      );
      return embs.map((emb) => emb.pooled);
    },
    prefetch(items: EmbedItem[], mode: EmbedMode) {
      if (ahead.size > 64) ahead.clear(); // focus changes can strand prefetched items: keep memory bounded
      for (const it of items) {
        const key = `${mode}:${it.id}`;
        if (!ahead.has(key)) ahead.set(key, prepare(it, mode));
      }
    },
    dispose: () => e.dispose(),
  };
}
