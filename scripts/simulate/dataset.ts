// The known answers: a labelled dataset (class-folders, CSV, COCO, MNIST digits or generated scenes) read
// through the importer's own source reader, split once into a pool (what sessions import, unlabelled)
// and a held-out test set (never imported).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { readSource, type CocoAnn } from '../../server/import/sources.ts';
import { polygonsToMask, rleCounts, rleDecode, type Rle } from '../../server/masks.ts';
import { makeDemoImages } from '../make-demo.ts';
import { makeMnist, rng, shuffled } from '../make-mnist.ts';
import type { SimOptions } from './options.ts';
import { makeColourScenes } from './scenes.ts';

export const BACKGROUND = 'background';

export interface Item {
  file: string;
  /** classification: index into classNames */
  label: number;
  /** segmentation: [height, width] class-index mask (index into classNames, 0 = background) */
  mask?: Uint8Array;
  width: number;
  height: number;
}
export interface Dataset {
  name: string;
  task: SimOptions['task'];
  classNames: string[];
  pool: Item[];
  test: Item[];
  skipped: string[];
}

export async function loadDataset(o: SimOptions, workDir: string): Promise<Dataset> {
  let source = o.data,
    format = o.format,
    name = o.data ?? '';
  if (o.task === 'classification' && !source) {
    const n = o.mnist ?? 2000;
    source = (await makeMnist(join(workDir, 'mnist'), { count: n, seed: o.seed })).dir;
    format = 'class-folders';
    name = `mnist (${n} digits, 28×28, 10 classes)`;
  }
  if (o.task === 'segmentation' && !source) {
    const dir = join(workDir, `scenes-${o.sceneStyle}`);
    // written once per (style, count, seed, size): worker processes reuse what the parent wrote
    const stamp = join(dir, 'scenes.json'),
      want = JSON.stringify({ style: o.sceneStyle, count: o.scenes, seed: o.seed, size: o.sceneSize });
    if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
      if (o.sceneStyle === 'demo') await makeDemoImages(dir, { count: o.scenes, seed: o.seed, size: o.sceneSize });
      else await makeColourScenes(dir, { count: o.scenes, seed: o.seed, size: o.sceneSize, style: o.sceneStyle });
      writeFileSync(stamp, want);
    }
    source = join(dir, 'coco.json');
    format = 'coco';
    name =
      o.sceneStyle === 'demo'
        ? `demo scenes (${o.scenes}, ${o.sceneSize.join('×')}, one randomly coloured shape each)`
        : o.sceneStyle === 'coloured'
          ? `generated scenes (${o.scenes}, ${o.sceneSize.join('×')}, 1–3 shapes, colour per class)`
          : `${o.sceneStyle} scenes (${o.scenes}, ${o.sceneSize.join('×')}, 1–3 shapes in random colours on a ${o.sceneStyle === 'plain' ? 'flat' : 'striped, checkered or noisy'} background)`;
  }
  const all =
    o.task === 'classification' ? await classificationItems(source!, format) : await segmentationItems(source!, format);
  if (all.items.length < 4)
    throw new Error(`${source}: only ${all.items.length} usable labelled images; need at least 4`);
  const rand = rng(o.seed * 7919 + 17);
  const order = shuffled(all.items, rand);
  const nTest = Math.max(1, Math.round(order.length * o.testFraction));
  // keep the pool in the source's order (sorted files); each repeat shuffles it (or not: --order as-is)
  const testSet = new Set(order.slice(0, nTest));
  return {
    name,
    task: o.task,
    classNames: all.classNames,
    test: order.slice(0, nTest),
    pool: all.items.filter((i) => !testSet.has(i)),
    skipped: all.skipped,
  };
}

async function classificationItems(source: string, format: SimOptions['format']) {
  const plan = await readSource(source, format === 'coco' ? 'auto' : format);
  if (plan.format === 'coco') throw new Error(`${source} is COCO: that is segmentation data, use --task segmentation`);
  const labelled = plan.entries.filter((e) => e.label);
  const skipped = plan.entries.filter((e) => !e.label).map((e) => `${e.file}: no label`);
  if (!labelled.length)
    throw new Error(`${source}: no labelled images found (class-folders need root/<class>/<image>, a CSV path,label)`);
  const classNames = [...new Set(labelled.map((e) => e.label!))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  const index = new Map(classNames.map((c, i) => [c, i]));
  return {
    classNames,
    skipped,
    items: labelled.map((e) => ({ file: e.file, label: index.get(e.label!)!, width: 0, height: 0 })),
  };
}

async function segmentationItems(source: string, format: SimOptions['format']) {
  const plan = await readSource(source, format === 'auto' ? 'auto' : format);
  if (plan.format !== 'coco')
    throw new Error(
      `segmentation needs a COCO JSON with segmentation polygons or RLE (--data coco.json), got ${plan.format}`,
    );
  const cats = plan.categories ?? [];
  if (cats.some((c) => c.name.toLowerCase() === BACKGROUND))
    throw new Error(`COCO category "${BACKGROUND}" clashes with the implicit background class`);
  const classNames = [BACKGROUND, ...cats.map((c) => c.name)];
  const catIndex = new Map(cats.map((c, i) => [c.id, i + 1]));
  const items: Item[] = [],
    skipped: string[] = [];
  for (const e of plan.entries) {
    if (!e.coco) {
      skipped.push(`${e.file}: no annotations (unknown truth)`);
      continue;
    }
    let meta;
    try {
      meta = await sharp(e.file, { autoOrient: true }).metadata();
    } catch (err) {
      skipped.push(`${e.file}: ${(err as Error).message}`);
      continue;
    }
    const W = meta.autoOrient?.width ?? meta.width,
      H = meta.autoOrient?.height ?? meta.height;
    if ((e.coco.width && e.coco.width !== W) || (e.coco.height && e.coco.height !== H)) {
      skipped.push(`${e.file}: COCO size differs from the image`);
      continue;
    }
    const mask = rasterise(e.coco.anns, W, H, catIndex);
    if (typeof mask === 'string') {
      skipped.push(`${e.file}: ${mask}`);
      continue;
    }
    items.push({ file: e.file, label: -1, mask, width: W, height: H });
  }
  if (classNames.length > 255) throw new Error('more than 254 categories do not fit an 8-bit mask');
  return { classNames, skipped, items };
}

function rasterise(anns: CocoAnn[], W: number, H: number, catIndex: Map<number, number>): Uint8Array | string {
  const out = new Uint8Array(W * H);
  for (const a of anns) {
    const k = catIndex.get(a.categoryId);
    if (!k) continue;
    let bin: Uint8Array;
    if (Array.isArray(a.segmentation)) bin = polygonsToMask(a.segmentation, W, H);
    else {
      const rle = a.segmentation as Rle;
      if (rle.size?.[0] !== H || rle.size?.[1] !== W) return 'RLE size differs from the image';
      bin = rleDecode(rleCounts(rle), W, H);
    }
    for (let i = 0; i < bin.length; i++) if (bin[i]) out[i] = k;
  }
  return out;
}

/** The pool as a `path` CSV (no labels: the sessions start unlabelled) in this repeat's order. */
export function poolCsv(pool: Item[], order: SimOptions['order'], seed: number): { csv: string; items: Item[] } {
  const items = order === 'as-is' ? pool : shuffled(pool, rng(seed));
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return { items, csv: 'path\n' + items.map((i) => q(i.file)).join('\n') + '\n' };
}
