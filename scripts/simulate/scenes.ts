// Generated segmentation scenes, 1–3 shapes (circle, square, triangle, star) per image, three styles:
// 'coloured': each class with its own colour family (circle red, square green, triangle blue, star yellow,
// jittered) on a low-saturation background — classes can be told apart locally;
// 'plain': shapes in random colours (colour says nothing about the class) on a flat random-colour background;
// 'textured': shapes in random colours on stripes, checker or noise in two random colours — the class is in
// the outline only, and the background has strong edges inside one region. The demo scenes (scripts/make-demo.ts) colour every shape at random, so which shape
// a patch belongs to is decided by the global outline only — fine for DINOv3, but the tiny random-weight
// backbone's patch features cannot learn it (a head fitted on the dense true masks of 96 demo scenes
// reaches about 0.07 mIoU). Writes images/<name>.jpg and coco.json (polygons, categories 1..4).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { polygonsToMask } from '../../server/masks.ts';
import { rng } from '../make-mnist.ts';

export const SCENE_CLASSES = ['circle', 'square', 'triangle', 'star'];
const HUES = [0, 125, 225, 52];

function polygon(kind: number, cx: number, cy: number, r: number, rot: number): number[] {
  const n = [48, 4, 3, 10][kind],
    pts: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = (kind ? rot : 0) + (i * 2 * Math.PI) / n,
      rad = kind === 3 && i % 2 ? r * 0.45 : r;
    pts.push(+(cx + rad * Math.cos(a)).toFixed(2), +(cy + rad * Math.sin(a)).toFixed(2));
  }
  return pts;
}

function hsv(h: number, s: number, v: number): number[] {
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return v * (1 - s * Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)].map((x) => x * 255);
}

export type SceneStyle = 'coloured' | 'plain' | 'textured';

/** A random saturated colour at least `minDist` (RGB, 0..255) from every colour in `avoid`. */
function distinctColour(rand: () => number, avoid: number[][], minDist = 90): number[] {
  let c = hsv(rand() * 360, 0.35 + rand() * 0.6, 0.3 + rand() * 0.65);
  for (let t = 0; t < 30 && avoid.some((a) => Math.hypot(a[0] - c[0], a[1] - c[1], a[2] - c[2]) < minDist); t++)
    c = hsv(rand() * 360, 0.35 + rand() * 0.6, 0.3 + rand() * 0.65);
  return c;
}

/** Writes each scene as images/<name>.jpg and its polygons into coco.json (on `finish`). */
function sceneWriter(dir: string) {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const coco = {
    images: [] as object[],
    annotations: [] as object[],
    categories: SCENE_CLASSES.map((name, i) => ({ id: i + 1, name })),
  };
  return {
    async add(
      n: number,
      name: string,
      px: Uint8Array,
      W: number,
      H: number,
      polys: { kind: number; poly: number[] }[],
    ) {
      await sharp(px, { raw: { width: W, height: H, channels: 3 } })
        .jpeg({ quality: 92 })
        .toFile(join(dir, 'images', `${name}.jpg`));
      coco.images.push({ id: n, file_name: `images/${name}.jpg`, width: W, height: H });
      for (const p of polys)
        coco.annotations.push({
          id: coco.annotations.length + 1,
          image_id: n,
          category_id: p.kind + 1,
          iscrowd: 0,
          segmentation: [p.poly],
        });
    },
    finish() {
      writeFileSync(join(dir, 'coco.json'), JSON.stringify(coco));
    },
  };
}

export async function makeColourScenes(
  dir: string,
  o: { count: number; seed: number; size: [number, number]; style?: SceneStyle },
): Promise<void> {
  const style = o.style ?? 'coloured';
  if (style !== 'coloured') return makeRandomColourScenes(dir, { ...o, style });
  const rand = rng(o.seed * 31 + 5);
  const [W, H] = o.size;
  const out = sceneWriter(dir);
  for (let n = 1; n <= o.count; n++) {
    const name = `scene-${String(n).padStart(4, '0')}`;
    const grey = 60 + rand() * 140,
      tint = [0, 1, 2].map(() => (rand() - 0.5) * 30);
    const period = 6 + rand() * 24,
      angle = rand() * Math.PI,
      stripes = rand() < 0.5,
      noise = 8 + rand() * 25;
    const shapes = 1 + Math.floor(rand() * 3);
    const polys: { kind: number; poly: number[]; colour: number[] }[] = [];
    for (let s = 0; s < shapes; s++) {
      const kind = Math.floor(rand() * 4),
        r = Math.min(W, H) * (0.12 + rand() * 0.16);
      const poly = polygon(kind, r + rand() * (W - 2 * r), r + rand() * (H - 2 * r), r, rand() * 2 * Math.PI);
      polys.push({
        kind,
        poly,
        colour: hsv((HUES[kind] + (rand() - 0.5) * 24 + 360) % 360, 0.6 + rand() * 0.3, 0.55 + rand() * 0.4),
      });
    }
    const owner = new Int8Array(W * H).fill(-1);
    polys.forEach((p, k) => {
      const m = polygonsToMask([p.poly], W, H);
      for (let i = 0; i < m.length; i++) if (m[i]) owner[i] = k;
    });
    const px = Buffer.alloc(W * H * 3);
    const ca = Math.cos(angle),
      sa = Math.sin(angle);
    for (let y = 0, i = 0; y < H; y++)
      for (let x = 0; x < W; x++, i++) {
        const k = owner[i];
        const base =
          k >= 0
            ? polys[k].colour
            : [0, 1, 2].map(
                (c) => grey + tint[c] + (stripes && Math.sin((2 * Math.PI * (x * ca + y * sa)) / period) > 0 ? 35 : 0),
              );
        const j = (rand() - 0.5) * 2 * (k >= 0 ? 12 : noise);
        for (let c = 0; c < 3; c++) px[i * 3 + c] = Math.max(0, Math.min(255, Math.round(base[c] + j)));
      }
    await out.add(n, name, px, W, H, polys);
  }
  out.finish();
}

/** 'plain' and 'textured' scenes: random shape colours, so only the outline tells the class. */
async function makeRandomColourScenes(
  dir: string,
  o: { count: number; seed: number; size: [number, number]; style: 'plain' | 'textured' },
): Promise<void> {
  const rand = rng(o.seed * 37 + (o.style === 'plain' ? 11 : 13));
  const [W, H] = o.size;
  const out = sceneWriter(dir);
  for (let n = 1; n <= o.count; n++) {
    const name = `scene-${String(n).padStart(4, '0')}`;
    const bgA = distinctColour(rand, [], 0),
      bgB = distinctColour(rand, [bgA], 70);
    const texture = o.style === 'plain' ? 'plain' : (['stripes', 'checker', 'noise'] as const)[Math.floor(rand() * 3)];
    const period = 8 + rand() * 22,
      angle = rand() * Math.PI,
      noise = o.style === 'plain' ? 4 : 6 + rand() * 10;
    const bgColours = texture === 'plain' ? [bgA] : [bgA, bgB];
    const shapes = 1 + Math.floor(rand() * 3);
    const polys: { kind: number; poly: number[]; colour: number[] }[] = [];
    for (let s = 0; s < shapes; s++) {
      const kind = Math.floor(rand() * 4),
        r = Math.min(W, H) * (0.12 + rand() * 0.16);
      const poly = polygon(kind, r + rand() * (W - 2 * r), r + rand() * (H - 2 * r), r, rand() * 2 * Math.PI);
      polys.push({ kind, poly, colour: distinctColour(rand, bgColours) });
    }
    const owner = new Int8Array(W * H).fill(-1);
    polys.forEach((p, k) => {
      const m = polygonsToMask([p.poly], W, H);
      for (let i = 0; i < m.length; i++) if (m[i]) owner[i] = k;
    });
    // noise texture: blobs of bgA / bgB from a coarse random grid, bilinearly blended and thresholded
    const cell = Math.max(4, Math.round(period / 2)),
      gw = Math.ceil(W / cell) + 2,
      gh = Math.ceil(H / cell) + 2,
      coarse = Float32Array.from({ length: gw * gh }, () => rand());
    const blob = (x: number, y: number) => {
      const u = x / cell,
        v = y / cell,
        i = Math.floor(u),
        j = Math.floor(v),
        fu = u - i,
        fv = v - j;
      const a = coarse[j * gw + i] * (1 - fu) + coarse[j * gw + i + 1] * fu,
        b = coarse[(j + 1) * gw + i] * (1 - fu) + coarse[(j + 1) * gw + i + 1] * fu;
      return a * (1 - fv) + b * fv > 0.5;
    };
    const ca = Math.cos(angle),
      sa = Math.sin(angle);
    const px = Buffer.alloc(W * H * 3);
    for (let y = 0, i = 0; y < H; y++)
      for (let x = 0; x < W; x++, i++) {
        const k = owner[i];
        let base: number[];
        if (k >= 0) base = polys[k].colour;
        else if (texture === 'plain') base = bgA;
        else if (texture === 'stripes') base = Math.sin((2 * Math.PI * (x * ca + y * sa)) / period) > 0 ? bgA : bgB;
        else if (texture === 'checker') {
          const u = x * ca + y * sa,
            v = -x * sa + y * ca;
          base = (Math.floor(u / period) + Math.floor(v / period)) % 2 === 0 ? bgA : bgB;
        } else base = blob(x, y) ? bgA : bgB;
        const j = (rand() - 0.5) * 2 * (k >= 0 ? 8 : noise);
        for (let c = 0; c < 3; c++) px[i * 3 + c] = Math.max(0, Math.min(255, Math.round(base[c] + j)));
      }
    await out.add(n, name, px, W, H, polys);
  }
  out.finish();
}
