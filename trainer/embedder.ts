// Adapts the backbone embedder (trainer/embed.ts) to the loop: per-item errors, decoding in parallel.
import { createEmbedder, type EmbedderOptions } from './embed.ts';
import type { Embedder, EmbedItem, EmbedMode, EmbedResult } from './types.ts';

export async function loopEmbedder(o: EmbedderOptions): Promise<Embedder & { tried: string }> {
  const e = await createEmbedder(o);
  const i = e.info;
  return {
    info: { backbone: i.backbone, device: i.device, note: i.note, key: `${i.backbone.replace(/[\\/]/g, '_')}-r${i.resolution}-s${i.segShortSide}` },
    tried: i.tried.map((t) => `${t.device}: ${t.ok ? 'ok' : t.reason}`).join('; '),
    batchSize: i.batchSize,
    async embed(items: EmbedItem[], mode: EmbedMode): Promise<EmbedResult[]> {
      const m = mode === 'grid' ? 'segmentation' : 'classification';
      // decode + resize all items of the batch at once: sharp runs them on libuv's thread pool
      const prepared = await Promise.all(items.map(async (it) => {
        try { return { it, img: await e.prepare(await it.source(), m) }; } catch (err) { return { it, error: (err as Error).message }; }
      }));
      const ok = prepared.filter((p) => 'img' in p) as { it: EmbedItem; img: Awaited<ReturnType<typeof e.prepare>> }[];
      const out: EmbedResult[] = prepared.filter((p) => 'error' in p).map((p) => ({ id: p.it.id, error: `cannot decode: ${(p as { error: string }).error}` }));
      if (ok.length) {
        const embs = await e.embedBatch(ok.map((p) => p.img), m);
        embs.forEach((emb, k) => {
          out.push(mode === 'grid' && emb.grid
            ? { id: ok[k].it.id, grid: { data: emb.grid.data, h: emb.grid.h, w: emb.grid.w, d: emb.grid.data.length / (emb.grid.h * emb.grid.w) } }
            : { id: ok[k].it.id, pooled: emb.pooled });
        });
      }
      return out;
    },
    dispose: () => e.dispose(),
  };
}
