// Data for the segmentation refinement benchmark: generated scenes with exact masks (the coloured scenes
// of `hilt simulate`, and the demo's shape-only scenes as the held-out style nobody tunes on), their
// pixels, and their patch grids from a real backbone — embedded once and cached under .tmp/, since
// embedding is the slow part and the figures are about what happens after it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createEmbedder } from '../trainer/embed.ts';
import { fetchModel } from '../trainer/backbones/registry.ts';
import { configHash } from '../trainer/backbones/folder.ts';
import { decodeHalf, encodeHalf } from '../trainer/fp16.ts';
import { loadDataset, type Item } from '../scripts/simulate/dataset.ts';
import type { SimOptions } from '../scripts/simulate/options.ts';

/** the trainer's default segmentation short side */
export const SEG_SHORT_SIDE = 448;
export interface SegScene extends Item {
  rgb: Uint8Array;
  grid: { h: number; w: number; d: number; data: Float32Array };
}
export interface SegData {
  style: SimOptions['sceneStyle'];
  classNames: string[];
  train: SegScene[];
  test: SegScene[];
  backbone: string;
  note: string;
}

export async function loadSegData(o: {
  style: SimOptions['sceneStyle'];
  count: number;
  seed?: number;
  backbone?: string;
  size?: [number, number];
  log?: (s: string) => void;
}): Promise<SegData> {
  const seed = o.seed ?? 3,
    backbone = o.backbone ?? 'mobilenetv2-imagenet',
    size = o.size ?? [320, 240];
  const work = join('.tmp', 'bench-seg');
  const sim = {
    task: 'segmentation',
    data: null,
    format: 'auto',
    scenes: o.count,
    sceneStyle: o.style,
    seed,
    sceneSize: size,
    testFraction: 0.3,
  } as unknown as SimOptions;
  const ds = await loadDataset(sim, work);
  const all = [...ds.pool, ...ds.test];
  // the model folder's config hash in the key: grids of a rebuilt or replaced model are not the cached ones
  const folder = (await fetchModel(backbone, { offline: true })).dir;
  const key = `${o.style}-${o.count}-${seed}-${size.join('x')}-${backbone.replace(/[\\/.]+/g, '_')}-${configHash(folder)}`;
  const file = join(work, `${key}.grids`);
  let grids: SegScene['grid'][];
  let note = `${backbone} (cached)`;
  if (existsSync(file)) grids = unpack(readFileSync(file));
  else {
    const e = await createEmbedder({ backbone, device: 'cpu', offline: true, segShortSide: SEG_SHORT_SIDE });
    note = e.info.note;
    grids = new Array(all.length);
    const t0 = performance.now();
    await e.embedPaths(
      all.map((i) => i.file),
      'grid',
      (r) => {
        if (!r.ok) throw new Error(`${r.path}: ${r.error}`);
        const g = r.embedding.grid!;
        grids[r.index] = { h: g.h, w: g.w, d: g.data.length / (g.h * g.w), data: decodeHalf(encodeHalf(g.data)) };
      },
    );
    await e.dispose();
    o.log?.(
      `embedded ${all.length} ${o.style} scenes with ${backbone} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    mkdirSync(work, { recursive: true });
    writeFileSync(file, pack(grids));
  }
  const scenes: SegScene[] = [];
  for (const [i, it] of all.entries()) {
    const { data } = await sharp(it.file, { autoOrient: true })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    scenes.push({ ...it, rgb: new Uint8Array(data), grid: grids[i] });
  }
  return {
    style: o.style,
    classNames: ds.classNames,
    train: scenes.slice(0, ds.pool.length),
    test: scenes.slice(ds.pool.length),
    backbone,
    note,
  };
}

function pack(gs: SegScene['grid'][]): Buffer {
  const parts: Buffer[] = [Buffer.from(new Uint32Array([gs.length]).buffer)];
  for (const g of gs) {
    parts.push(Buffer.from(new Uint32Array([g.h, g.w, g.d]).buffer));
    parts.push(Buffer.from(encodeHalf(g.data).buffer));
  }
  return Buffer.concat(parts);
}
function unpack(b: Buffer): SegScene['grid'][] {
  const u = new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const n = new Uint32Array(u.buffer, 0, 1)[0],
    out: SegScene['grid'][] = [];
  let off = 4;
  for (let i = 0; i < n; i++) {
    const [h, w, d] = new Uint32Array(u.buffer.slice(off, off + 12));
    off += 12;
    const half = new Uint16Array(u.buffer.slice(off, off + h * w * d * 2));
    off += h * w * d * 2;
    out.push({ h, w, d, data: decodeHalf(half) });
  }
  return out;
}
