// Embeddings, with the loop's backbone, of pictures that are no session images: segmentation's region crops
// (pooled vectors) and augmented copies of labelled scenes (patch grids). Nothing is cached: the caller keeps
// what it needs.
import type { Grid } from './features.ts';
import type { Embedder, EmbedMode, EmbedResult } from './types.ts';

export class SideEmbedder {
  constructor(
    private embedder: Embedder,
    /** the trainer is closed: no more embeddings (the embedder is disposed next) */
    private closed: () => boolean,
  ) {}

  async embedCrops(crops: Uint8Array[], side: number): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let s = 0; s < crops.length; s += this.embedder.batchSize) {
      if (this.closed()) throw new Error('the trainer is closed');
      out.push(...(await this.embedder.embedCrops(crops.slice(s, s + this.embedder.batchSize), side)));
    }
    if (this.closed()) throw new Error('the trainer is closed');
    return out;
  }

  async embedImages(images: Buffer[]): Promise<Grid[]> {
    const res = await this.embedSources(
      images.map((b) => () => Promise.resolve(b)),
      'grid',
    );
    return res.map((r) => {
      if (!r.grid) throw new Error(`image embedding failed: ${r.error ?? 'no patch grid'}`);
      return r.grid;
    });
  }

  /** Embeddings of pictures that are no session images (crops, augmented copies), in order, batch by batch. */
  private async embedSources(sources: (() => Promise<Buffer>)[], mode: EmbedMode): Promise<EmbedResult[]> {
    if (this.closed()) throw new Error('the trainer is closed');
    const items = sources.map((source, i) => ({
      id: -1 - i, // ids the prefetch keys of images never use
      sha: '',
      source,
    }));
    const out: EmbedResult[] = [];
    for (let s = 0; s < items.length; s += this.embedder.batchSize) {
      for (const r of await this.embedder.embed(items.slice(s, s + this.embedder.batchSize), mode)) {
        if (this.closed()) throw new Error('the trainer is closed');
        out[-1 - r.id] = r;
      }
    }
    return out;
  }
}
