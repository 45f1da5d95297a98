// The val images' masks as Enter accepts them, scored per pixel: the held-out patch head's map refined to the
// image's edges, its shape regions named by a crop head fitted on the train side (where the app names regions),
// refined again, against each image's stored mask (its labelled pixels only). The patch-grid evaluation says how
// the patch head does; this says how good the masks a user accepts are. Images are scored at the size regions are
// named at (longest side REGION_SIDE), each once per version of the heads and of its mask.
import type { ImageRef } from '../../common/protocol.ts';
import { refineMap } from '../../common/seg/refine.ts';
import type { LogRegModel } from '../heads/logreg.ts';
import { nameRegions, type RegionNamer } from '../heads/seg-naming.ts';
import { predictMap } from '../heads/segmentation.ts';
import type { Grid } from '../features.ts';
import { Cancelled, type Slicer } from './slices.ts';

/** val images scored per pixel at most (the lowest ids: the same images from one model to the next) */
export const MAX_ACCEPTED_IMAGES = 24;

export interface AcceptedSource {
  /** class id of each head column */
  classIds(): number[];
  image(id: number): ImageRef | undefined;
  grid(img: ImageRef): Grid | null;
  /** an image's stored mask (class id per pixel at the image's size), null without one */
  fetchMask(id: number): Promise<Uint8Array | null>;
  /** an image's pixels (RGB, upright) at w × h */
  pixels(id: number, w: number, h: number): Promise<Uint8Array>;
  /** the longest side regions are named at */
  side: number;
}

/** one image's pixel confusion (C × C, rows given) */
type Counts = Float64Array;

export class AcceptedMasks {
  private cache = new Map<number, { key: string; counts: Counts | null }>();

  reset(): void {
    this.cache.clear();
  }

  /** The pixel confusion of the accepted masks of `ids` (at most MAX_ACCEPTED_IMAGES, lowest first), summed, with
   *  how many images it holds and each image's own. `key` names the heads; `version(id)` an image's mask. */
  async score(
    src: AcceptedSource,
    model: LogRegModel,
    namer: RegionNamer | null,
    key: string,
    ids: number[],
    version: (id: number) => number,
    slicer: Slicer,
    alive: () => boolean,
  ): Promise<{ matrix: number[][]; images: number; perImage: Map<number, Counts> }> {
    const C = model.C,
      total = new Float64Array(C * C),
      perImage = new Map<number, Counts>();
    const picked = [...ids].sort((a, b) => a - b).slice(0, MAX_ACCEPTED_IMAGES);
    for (const id of picked) {
      const k = `${key}|${version(id)}|${C}`;
      let hit = this.cache.get(id);
      if (hit?.key !== k) {
        hit = { key: k, counts: await this.scoreOne(src, model, namer, id) };
        this.cache.set(id, hit);
        await slicer.pause();
        if (!alive()) throw new Cancelled();
      }
      if (!hit.counts) continue;
      perImage.set(id, hit.counts);
      for (let i = 0; i < C * C; i++) total[i] += hit.counts[i];
    }
    for (const id of this.cache.keys()) if (!picked.includes(id)) this.cache.delete(id);
    const matrix = Array.from({ length: C }, (_, r) => Array.from(total.subarray(r * C, (r + 1) * C)));
    return { matrix, images: perImage.size, perImage };
  }

  private async scoreOne(
    src: AcceptedSource,
    model: LogRegModel,
    namer: RegionNamer | null,
    id: number,
  ): Promise<Counts | null> {
    const img = src.image(id),
      g = img && src.grid(img);
    if (!img || !g || g.d !== model.d) return null;
    const raw = await src.fetchMask(id);
    if (!raw || raw.length !== img.width * img.height) return null;
    const C = model.C,
      f = Math.min(1, src.side / Math.max(img.width, img.height)),
      W = Math.max(1, Math.round(img.width * f)),
      H = Math.max(1, Math.round(img.height * f));
    const guide = { data: await src.pixels(id, W, H), width: W, height: H, channels: 3 as const };
    const map = predictMap(model, g.data, g.h, g.w).map;
    let pred = refineMap(map, C, g.h, g.w, guide).idx;
    if (namer) {
      const named = await nameRegions(map, C, g.h, g.w, pred, guide, namer);
      if (named.regions) pred = refineMap(named.map, C, g.h, g.w, guide).idx;
    }
    // the stored mask (class ids, 0 = unlabelled) sampled at W × H, nearest
    const index = new Int16Array(256).fill(-1);
    src.classIds().forEach((cid, i) => {
      if (i < C && cid > 0 && cid < 256) index[cid] = i;
    });
    const counts = new Float64Array(C * C);
    for (let y = 0; y < H; y++) {
      const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / H));
      for (let x = 0; x < W; x++) {
        const sx = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / W));
        const t = index[raw[sy * img.width + sx]];
        if (t >= 0) counts[t * C + pred[y * W + x]]++;
      }
    }
    return counts;
  }
}
