// The bundled demo data: one shape (circle, square, triangle, star) per image on a textured background
// (noise, stripes, gradients), varying in size, position and rotation. With cue 'shape' (the default) the
// shape and the background take random colours, so only the outline tells the classes apart — what a real
// pretrained backbone sees and the random-weight `tiny` cannot; cue 'colour' gives each shape class a
// jittered colour family, for machinery tests on `tiny`. Deterministic for a seed. Writes into dir:
//   images/img-0001.jpg …   labels.csv (`path,label`, the shape)   classes.json
//   masks/img-0001.png      8-bit class-index masks: 0 = background, 1..4 = circle, square, triangle, star
//   coco.json               COCO segmentation ground truth: categories 1..4 as above, background implicit
//                           (no annotation), polygons — the same polygons the masks were rasterised from.
// Usage: npx tsx scripts/make-demo.ts [dir=data/demo] [--count 1000] [--seed 1] [--size 320x240] [--cue shape|colour] [--folders]
//   --folders: also class-folders/<shape>/img-0001.jpg (hard links): what `hilt simulate --data DIR` reads
import { Command } from 'commander';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { mulberry32 as rng } from '../trainer/rng.ts';
import { polygonsToMask } from '../server/masks.ts';
import { importInto, type ImportReport } from '../server/import/import.ts';
import { closeSession, openSession, setSetting } from '../server/session.ts';

export const DEMO_CLASSES = [
  { name: 'circle', color: '#e6194b' },
  { name: 'square', color: '#3cb44b' },
  { name: 'triangle', color: '#4363d8' },
  { name: 'star', color: '#f58231' },
];
export const DEMO_PRESETS = {
  classification: DEMO_CLASSES,
  segmentation: [{ name: 'background', color: '#808080' }, ...DEMO_CLASSES],
};

/** the colour family of each shape class (see makeDemoImages) */
/** bump when the pictures change, so cached demo data is regenerated */
const DEMO_VERSION = 3;
/** 1000 pictures: embedded by mobilenetv2-imagenet in well under a minute on 2 cores (README). */
export const DEMO_COUNT = 1000;
const CLASS_HUES = [
  [225, 45, 45],
  [40, 190, 60],
  [50, 80, 230],
  [240, 200, 30],
];

export interface DemoOptions {
  count?: number;
  seed?: number;
  size?: [number, number];
  /** 'shape' (default): random colours, only the outline separates classes; 'colour': a colour family per class */
  cue?: 'shape' | 'colour';
}

function hsv(h: number, s: number, v: number): number[] {
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return v * (1 - s * Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)].map((x) => Math.round(x * 255));
}
export interface DemoItem {
  file: string;
  name: string;
  label: string;
  classIndex: number;
  mask: string;
}

function shapePolygon(kind: number, cx: number, cy: number, r: number, rot: number): number[] {
  const pts: number[] = [];
  const ring = (n: number, rad: (i: number) => number, phase: number) => {
    for (let i = 0; i < n; i++) {
      const a = phase + (i * 2 * Math.PI) / n;
      pts.push(+(cx + rad(i) * Math.cos(a)).toFixed(2), +(cy + rad(i) * Math.sin(a)).toFixed(2));
    }
  };
  if (kind === 0) ring(48, () => r, 0);
  else if (kind === 1) ring(4, () => r, rot);
  else if (kind === 2) ring(3, () => r, rot);
  else ring(10, (i) => (i % 2 ? r * 0.45 : r), rot);
  return pts;
}

export async function makeDemoImages(dir: string, opts: DemoOptions = {}): Promise<{ dir: string; items: DemoItem[] }> {
  const count = opts.count ?? DEMO_COUNT,
    seed = opts.seed ?? 1,
    cue = opts.cue ?? 'shape';
  const [W, H] = opts.size ?? [320, 240];
  const rand = rng(seed);
  const ri = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  for (const sub of ['images', 'masks']) mkdirSync(join(dir, sub), { recursive: true });
  const items: DemoItem[] = [];
  const coco = {
    images: [] as object[],
    categories: DEMO_CLASSES.map((c, i) => ({ id: i + 1, name: c.name, supercategory: 'shape' })),
    annotations: [] as object[],
  };
  let block: number[] = [];
  for (let n = 1; n <= count; n++) {
    const name = `img-${String(n).padStart(4, '0')}`;
    // each block of 4 images holds every shape once, in shuffled order: balanced, but not predictable by id
    if (!block.length)
      block = [0, 1, 2, 3]
        .map((k) => [rand(), k])
        .sort((a, b) => a[0] - b[0])
        .map((p) => p[1]);
    const kind = block.pop()!;
    let bg: number[], bg2: number[], fg: number[];
    if (cue === 'colour') {
      // a colour family per class on muted backgrounds: what `tiny` (colour and texture, barely shape) can learn
      const grey = () => {
        const g = ri(40, 215),
          tint = () => ri(-25, 25);
        return [g + tint(), g + tint(), g + tint()];
      };
      bg = grey();
      bg2 = grey();
      fg = CLASS_HUES[kind].map((v) => Math.max(0, Math.min(255, v + ri(-40, 40))));
    } else {
      // any hue for the shape and the background, kept apart in brightness or hue so the outline is visible
      const h = rand() * 360,
        bh = (h + 60 + rand() * 240) % 360;
      fg = hsv(h, 0.3 + rand() * 0.7, 0.35 + rand() * 0.65);
      const dark = fg.reduce((a, b) => a + b, 0) / 3 > 128;
      const bv = () => (dark ? 0.15 + rand() * 0.4 : 0.45 + rand() * 0.5);
      bg = hsv(bh, rand() * 0.8, bv());
      bg2 = hsv((bh + rand() * 90) % 360, rand() * 0.8, bv());
    }
    const texture = ri(0, 2),
      angle = rand() * Math.PI,
      period = 8 + rand() * 30,
      noise = 10 + rand() * 40;
    const r = Math.min(W, H) * (0.15 + rand() * 0.22);
    const cx = r + rand() * (W - 2 * r),
      cy = r + rand() * (H - 2 * r);
    const poly = shapePolygon(kind, cx, cy, r, rand() * Math.PI * 2);
    const inside = polygonsToMask([poly], W, H);
    const px = Buffer.alloc(W * H * 3);
    const ca = Math.cos(angle),
      sa = Math.sin(angle);
    for (let y = 0, i = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i++) {
        const u = x * ca + y * sa;
        const t =
          texture === 0
            ? 0
            : texture === 1
              ? Math.sin((2 * Math.PI * u) / period) > 0
                ? 1
                : 0
              : Math.min(1, Math.max(0, u / (W * Math.abs(ca) + H * Math.abs(sa))));
        const jitter = (rand() - 0.5) * 2 * (inside[i] ? 15 : noise);
        for (let c = 0; c < 3; c++) {
          const v = inside[i] ? fg[c] : bg[c] * (1 - t) + bg2[c] * t;
          px[i * 3 + c] = Math.max(0, Math.min(255, Math.round(v + jitter)));
        }
      }
    }
    const file = join(dir, 'images', `${name}.jpg`),
      maskFile = join(dir, 'masks', `${name}.png`);
    await sharp(px, { raw: { width: W, height: H, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(file);
    const mask = Buffer.alloc(W * H);
    for (let i = 0; i < mask.length; i++) if (inside[i]) mask[i] = kind + 1;
    await sharp(mask, { raw: { width: W, height: H, channels: 1 } })
      .png()
      .toFile(maskFile);
    items.push({ file, name, label: DEMO_CLASSES[kind].name, classIndex: kind + 1, mask: maskFile });
    coco.images.push({ id: n, file_name: `images/${name}.jpg`, width: W, height: H });
    coco.annotations.push({ id: n, image_id: n, category_id: kind + 1, iscrowd: 0, segmentation: [poly] });
  }
  writeFileSync(
    join(dir, 'labels.csv'),
    'path,label\n' + items.map((it) => `images/${it.name}.jpg,${it.label}`).join('\n') + '\n',
  );
  writeFileSync(join(dir, 'coco.json'), JSON.stringify(coco));
  writeFileSync(
    join(dir, 'classes.json'),
    JSON.stringify({ 0: 'background', ...Object.fromEntries(DEMO_CLASSES.map((c, i) => [i + 1, c.name])) }, null, 2),
  );
  writeFileSync(join(dir, 'demo.json'), JSON.stringify({ count, seed, size: [W, H], cue, version: DEMO_VERSION }));
  return { dir, items };
}

/** A demo picture's true mask as the class-id PNG a painted annotation is (`classIds[k]`: the session's id of
 *  demo class index k, 0 the background): what a test or benchmark saves to label it densely. */
export async function demoMaskPng(
  dataDir: string,
  img: { name: string; width: number; height: number },
  classIds: number[],
): Promise<Buffer> {
  const { data } = await sharp(join(dataDir, 'masks', img.name.replace(/\.[^.]+$/, '.png')))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(Buffer.from(data.map((v) => classIds[v])), {
    raw: { width: img.width, height: img.height, channels: 1 },
  })
    .png()
    .toBuffer();
}

/** Makes (once) the demo data in dataDir (default `<sessionsDir>/../data/demo`, git-ignored) and the
 * session `name` with its images, unlabelled, plus the class presets the server offers per task. */
export async function createDemoSession(
  sessionsDir: string,
  name = 'demo',
  opts: DemoOptions & { dataDir?: string } = {},
): Promise<{ name: string; dataDir: string; created: boolean; report?: ImportReport }> {
  const dataDir = resolve(opts.dataDir ?? join(dirname(resolve(sessionsDir)), 'data', 'demo'));
  const want = JSON.stringify({
    count: opts.count ?? DEMO_COUNT,
    seed: opts.seed ?? 1,
    size: opts.size ?? [320, 240],
    cue: opts.cue ?? 'shape',
    version: DEMO_VERSION,
  });
  const stamp = join(dataDir, 'demo.json');
  const ready = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === want;
  if (!ready()) {
    // generate beside it and rename into place: test files running in parallel may share a dataDir,
    // and none of them may import a half-written picture
    const tmp = `${dataDir}.tmp-${process.pid}-${Date.now()}`;
    await makeDemoImages(tmp, opts);
    if (!ready()) {
      if (existsSync(dataDir)) renameSync(dataDir, `${tmp}-stale`);
      try {
        renameSync(tmp, dataDir);
      } catch {
        if (!ready()) throw new Error(`could not put the demo data in ${dataDir}`);
      }
    }
    for (const d of [tmp, `${tmp}-stale`]) rmSync(d, { recursive: true, force: true });
  }
  if (existsSync(join(sessionsDir, name, 'session.db'))) return { name, dataDir, created: false };
  const session = openSession(sessionsDir, name, { create: true });
  try {
    const report = await importInto(session, join(dataDir, 'images'), { format: 'folder' });
    setSetting(session.db, 'presets', DEMO_PRESETS);
    return { name, dataDir, created: true, report };
  } finally {
    closeSession(session);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const c = new Command('npx tsx scripts/make-demo.ts')
    .description('the demo pictures (shapes on backgrounds) and their labels')
    .argument('[dir]', 'output folder', 'data/demo')
    .option('--count <n>', 'pictures', String(DEMO_COUNT))
    .option('--seed <n>', 'seed', '1')
    .option('--size <WxH>', 'picture size', '320x240')
    .option('--cue <cue>', 'shape | colour: what tells the classes apart', 'shape')
    .option('--folders', 'also link them as class-folders (<dir>/class-folders/<class>/)')
    .showHelpAfterError()
    .parse();
  const o = c.opts<{ count: string; seed: string; size: string; cue: string; folders?: boolean }>();
  const count = Number(o.count),
    seed = Number(o.seed);
  const size = o.size.split('x').map(Number) as [number, number];
  const cue = o.cue as 'shape' | 'colour';
  const folders = !!o.folders;
  const dir = resolve(c.processedArgs[0] as string);
  const t0 = Date.now();
  const { items } = await makeDemoImages(dir, { count, seed, size, cue });
  if (folders) {
    for (const it of items) {
      const to = join(dir, 'class-folders', it.label, `${it.name}.jpg`);
      mkdirSync(dirname(to), { recursive: true });
      if (!existsSync(to)) linkSync(join(dir, 'images', `${it.name}.jpg`), to);
    }
  }
  console.log(JSON.stringify({ dir, images: items.length, seconds: (Date.now() - t0) / 1000 }));
}
