// Probe: how to name the shape regions of a predicted map from a few labelled scenes. The patch head is fitted on
// the dense masks of k scenes; its refined map gives the shape regions of every other scene (pool and test);
// each region's crop is embedded. Compared namers: the crop head as the trainer fits it (logreg, crop + mirror),
// more views per labelled crop (the 8 symmetries of the square), test-time views, features centred on the mean of
// every region's crop and L2-normalised, nearest class mean, and label propagation over the labelled crops and
// every unlabelled region of the session (transductive). Region splits: the shape regions as the trainer cuts
// them, or also split by colour. Prints mIoU ÷ the patch-grid oracle on the test scenes.
import { Command } from 'commander';
import sharp from 'sharp';
import { loadSegData, type SegScene } from '../bench/seg-data.ts';
import { cropEmbedder } from '../bench/seg-few.ts';
import { fitSegmentation, maskToPatchLabels, predictMap } from '../trainer/heads/segmentation.ts';
import { refineMap } from '../common/seg/refine.ts';
import { fitLogReg, predictProba } from '../trainer/heads/logreg.ts';
import { regionOf } from '../trainer/heads/seg-colour.ts';
import {
  cropPixels,
  dihedral,
  flipCrop,
  regionsOf,
  relabel,
  REGION_CROP,
  type CropOptions,
  type Region,
} from '../trainer/heads/seg-regions.ts';
import { relabelGrid, shapeRegions } from '../trainer/heads/seg-naming.ts';
import { bilinearArgmax, IouAcc, nearestArgmax, oracleMap } from './simulate/seg-metrics.ts';
import { rng, shuffled } from './make-mnist.ts';
import type { SimOptions } from './simulate/options.ts';

const a = new Command('npx tsx scripts/probe-seg-names.ts')
  .description('segmentation from a few labelled scenes: ways to name the shape regions')
  .option('--styles <list>', 'scene styles', 'textured,plain,coloured')
  .option('--k <list>', 'labelled scenes', '5')
  .option('--draws <n>', 'draws of the labelled scenes', '2')
  .option('--seed <n>', 'scene seed', '3')
  .option('--count <n>', 'scenes per style', '80')
  .option('--views <n>', 'views per labelled crop: 2 (mirror) or 8 (symmetries of the square)', '8')
  .option('--split <list>', 'region cuts: parts (the trainer), colour:T (also split by colour distance T)', 'parts')
  .option('--dump <dir>', 'write the first test scenes: image, truth, refined map, named map (base)')
  .option(
    '--aug <list>',
    'labelled scenes augmented for the patch head: none | f (mirror) | p (2 channel orders) | fp',
    'none,fp',
  )
  .showHelpAfterError()
  .parse()
  .opts<{
    styles: string;
    k: string;
    draws: string;
    seed: string;
    count: string;
    views: string;
    split: string;
    aug: string;
    dump?: string;
  }>();

const ce = await cropEmbedder('mobilenetv2-imagenet'),
  side = ce.side;
const embedCrops = (crops: Uint8Array[]) => ce.embed(crops, side);
/** augmented copies of a labelled scene: mirror image, channel orders; their grids and masks */
async function augmented(s: SegScene, kinds: string) {
  const W = s.width,
    H = s.height,
    out: { grid: Float32Array; mask: Uint8Array }[] = [];
  const variants: { flip: boolean; perm: number[] }[] = [];
  if (kinds.includes('f')) variants.push({ flip: true, perm: [0, 1, 2] });
  if (kinds.includes('p'))
    variants.push({ flip: false, perm: [1, 2, 0] }, { flip: kinds.includes('f'), perm: [2, 0, 1] });
  if (kinds.includes('r'))
    variants.push(
      { flip: false, perm: [2, 1, 0], rot: true } as never,
      { flip: true, perm: [1, 0, 2], rot: true } as never,
    );
  for (const v of variants) {
    const rgb = new Uint8Array(W * H * 3),
      mask = new Uint8Array(W * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const rot = (v as { rot?: boolean }).rot,
          sx = v.flip ? W - 1 - x : x,
          src = rot ? (H - 1 - y) * W + (W - 1 - sx) : y * W + sx,
          dst = y * W + x;
        mask[dst] = s.mask![src];
        for (let c = 0; c < 3; c++) rgb[dst * 3 + c] = s.rgb[src * 3 + v.perm[c]];
      }
    const png = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    const [grid] = await ce.embedImages([png]);
    out.push({ grid: grid.data, mask });
  }
  return out;
}
const co: CropOptions = { ...REGION_CROP, side };
const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
const minArea = 64;

/** split each region into parts of similar colour (4-neighbour flood with colour distance ≤ T on a 3×3 box
 *  blur); parts under `minPart` of the region join their largest neighbouring part */
function colourSplit(regs: Region[], rgb: Uint8Array, W: number, H: number, T: number, minPart = 0.15): Region[] {
  const blur = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0,
          n = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx,
              yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
            s += rgb[(yy * W + xx) * 3 + c];
            n++;
          }
        blur[(y * W + x) * 3 + c] = s / n;
      }
  const out: Region[] = [];
  const lab = new Int32Array(W * H).fill(-1);
  for (const r of regs) {
    const inR = new Set(r.pixels);
    const parts: number[][] = [];
    for (const s of r.pixels) {
      if (lab[s] >= 0) continue;
      const id = parts.length,
        part: number[] = [s],
        stack = [s];
      lab[s] = id;
      while (stack.length) {
        const p = stack.pop()!;
        const x = p % W;
        for (const q of [x > 0 ? p - 1 : -1, x + 1 < W ? p + 1 : -1, p - W, p + W]) {
          if (q < 0 || q >= W * H || lab[q] >= 0 || !inR.has(q)) continue;
          const d = Math.hypot(
            blur[p * 3] - blur[q * 3],
            blur[p * 3 + 1] - blur[q * 3 + 1],
            blur[p * 3 + 2] - blur[q * 3 + 2],
          );
          if (d > T) continue;
          lab[q] = id;
          part.push(q);
          stack.push(q);
        }
      }
      parts.push(part);
    }
    const big = parts.map((p, i) => [p.length, i]).filter(([n]) => n >= minPart * r.pixels.length);
    if (big.length <= 1) {
      out.push(r);
    } else {
      // every pixel of a small part goes to the big part whose mean colour is nearest
      const meanOf = big.map(([, i]) => {
        const m = [0, 0, 0];
        for (const p of parts[i]) for (let c = 0; c < 3; c++) m[c] += blur[p * 3 + c] / parts[i].length;
        return m;
      });
      const groups: number[][] = big.map(([, i]) => [...parts[i]]);
      parts.forEach((p, i) => {
        if (big.some(([, j]) => j === i)) return;
        for (const q of p) {
          let b = 0,
            bd = Infinity;
          meanOf.forEach((m, j) => {
            const d = Math.hypot(m[0] - blur[q * 3], m[1] - blur[q * 3 + 1], m[2] - blur[q * 3 + 2]);
            if (d < bd) {
              bd = d;
              b = j;
            }
          });
          groups[b].push(q);
        }
      });
      for (const g of groups) out.push(regionOf(g, W, r.cls));
    }
    for (const p of r.pixels) lab[p] = -1;
  }
  return out;
}

function l2n(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  s = Math.sqrt(s) || 1;
  return Float32Array.from(v, (x) => x / s);
}
function centre(v: Float32Array, m: Float32Array): Float32Array {
  return l2n(Float32Array.from(v, (x, i) => x - m[i]));
}

/** label propagation (Zhou et al.): kNN graph over all rows, F ← αSF + (1-α)Y */
function propagate(X: Float32Array[], y: number[], K: number, knn = 10, alpha = 0.9, iters = 30): number[][] {
  const n = X.length,
    nb: [number, number][][] = [];
  for (let i = 0; i < n; i++) {
    const s: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      let d = 0;
      for (let t = 0; t < X[i].length; t++) d += X[i][t] * X[j][t];
      s.push([j, d]);
    }
    s.sort((p, q) => q[1] - p[1]);
    nb.push(s.slice(0, knn).map(([j, d]) => [j, Math.max(0, d) ** 3]));
  }
  // symmetric weights
  const Wm = new Map<number, number>();
  nb.forEach((l, i) =>
    l.forEach(([j, w]) => {
      const key = i < j ? i * n + j : j * n + i;
      Wm.set(key, Math.max(Wm.get(key) ?? 0, w));
    }),
  );
  const adj: [number, number][][] = Array.from({ length: n }, () => []);
  for (const [key, w] of Wm) {
    const i = Math.floor(key / n),
      j = key % n;
    adj[i].push([j, w]);
    adj[j].push([i, w]);
  }
  const deg = adj.map((l) => l.reduce((s, [, w]) => s + w, 0) || 1);
  const Y: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: K }, (_, c) => (y[i] === c ? 1 : 0)));
  let F = Y.map((r) => [...r]);
  for (let it = 0; it < iters; it++) {
    F = F.map((_, i) => {
      const r = new Array(K).fill(0);
      for (const [j, w] of adj[i]) {
        const s = w / Math.sqrt(deg[i] * deg[j]);
        for (let c = 0; c < K; c++) r[c] += s * F[j][c];
      }
      return r.map((v, c) => alpha * v + (1 - alpha) * Y[i][c]);
    });
  }
  return F;
}

const ks = a.k.split(',').map(Number),
  draws = Number(a.draws),
  seed = Number(a.seed),
  views = Number(a.views);
let dumped = 0;
if (a.dump) (await import('node:fs')).mkdirSync(a.dump, { recursive: true });
for (const style of a.styles.split(',') as SimOptions['sceneStyle'][]) {
  const d = await loadSegData({ style, count: Number(a.count), seed });
  dumped = 0;
  const K = d.classNames.length;
  const guide = (s: SegScene) => ({ data: s.rgb, width: s.width, height: s.height, channels: 3 as const });
  const on = new IouAcc(K),
    ob = new IouAcc(K);
  for (const s of d.test) {
    const m = oracleMap(s.mask!, K, s.width, s.height, s.grid.h, s.grid.w);
    on.add(nearestArgmax(m, K, s.grid.h, s.grid.w, s.width, s.height), s.mask!);
    ob.add(bilinearArgmax(m, K, s.grid.h, s.grid.w, s.width, s.height), s.mask!);
  }
  const oracle = Math.max(on.mean(), ob.mean());
  console.log(`${style} seed ${seed}: ${d.train.length} train / ${d.test.length} test, oracle ${oracle.toFixed(3)}`);
  const labels = d.train.map((s) =>
    maskToPatchLabels(
      Uint8Array.from(s.mask!, (v) => v + 1),
      { imageWidth: s.width, imageHeight: s.height, gridWidth: s.grid.w, gridHeight: s.grid.h },
    ),
  );
  for (const k of ks) {
    const scores = new Map<string, number[]>();
    const put = (name: string, v: number) => scores.set(name, [...(scores.get(name) ?? []), v]);
    for (let r = 0; r < draws; r++) {
      const t0 = performance.now();
      const pick = shuffled([...d.train.keys()], rng(1000 + r * 17 + k)).slice(0, k);
      const augs = new Map<number, { grid: Float32Array; mask: Uint8Array }[]>();
      for (const i of pick)
        augs.set(i, await augmented(d.train[i], a.aug.includes('f') || a.aug.includes('p') ? 'fp' : ''));
      for (const aug of a.aug.split(',')) {
        const rows = pick.flatMap((i) => {
          const s = d.train[i],
            g = { imageWidth: s.width, imageHeight: s.height, gridWidth: s.grid.w, gridHeight: s.grid.h };
          const all = augs.get(i)!;
          const use =
            aug === 'none'
              ? []
              : aug === 'f'
                ? all.slice(0, 1)
                : aug === 'p'
                  ? all.slice(1, 2)
                  : aug === 'fp'
                    ? all.slice(0, 3)
                    : all;
          return [
            { features: s.grid.data, labels: labels[i] },
            ...use.map((x) => ({
              features: x.grid,
              labels: maskToPatchLabels(
                Uint8Array.from(x.mask, (v) => v + 1),
                g,
              ),
            })),
          ];
        });
        const { model } = fitSegmentation(rows, d.train[0].grid.d, K, { seed: 0 });
        // labelled crops: the true regions of the k scenes, `views` views each
        const lab: { f: Float32Array; cls: number; view: number }[] = [];
        for (const i of pick) {
          const s = d.train[i];
          const regs = regionsOf(s.mask!, s.width, s.height, { by: 'class', minArea });
          const px = regs.map((reg) => cropPixels(s.rgb, s.width, s.height, reg, co));
          const perm = (q: Uint8Array, o: number[]) => {
            const r = new Uint8Array(q.length);
            for (let t = 0; t < q.length; t += 3) for (let c = 0; c < 3; c++) r[t + c] = q[t + o[c]];
            return r;
          };
          const inks = [
            [200, 40, 40],
            [40, 160, 60],
            [250, 230, 80],
            [30, 30, 120],
          ];
          const NV = 16;
          const f = await embedCrops(
            px.flatMap((p, ri) => [
              ...dihedral(p, side, 8),
              perm(p, [1, 2, 0]),
              flipCrop(perm(p, [1, 2, 0]), side),
              perm(p, [2, 0, 1]),
              flipCrop(perm(p, [2, 0, 1]), side),
              ...inks.map((ink, j) => {
                const q = cropPixels(s.rgb, s.width, s.height, regs[ri], {
                  ...co,
                  ink: ink as [number, number, number],
                });
                return j % 2 ? flipCrop(q, side) : q;
              }),
            ]),
          );
          f.forEach((x, j) => lab.push({ f: x, cls: regs[Math.floor(j / NV)].cls, view: j % NV }));
        }
        // unlabelled scenes: pool (not picked) + test; their predicted maps and regions
        const others = [...d.train.filter((_, i) => !pick.includes(i)), ...d.test];
        for (const split0 of a.split.split(',')) {
          const split = `${split0}/${aug}`;
          const unl: {
            s: SegScene;
            map: Uint8Array;
            idx: Uint8Array;
            regs: Region[];
            f: Float32Array[];
            tta: Float32Array[][];
            test: boolean;
          }[] = [];
          for (const s of others) {
            const { h, w } = s.grid;
            const map = predictMap(model, s.grid.data, h, w).map;
            const idx = refineMap(map, K, h, w, guide(s)).idx;
            let regs = shapeRegions(idx, s.width, s.height, minArea);
            if (split0.startsWith('colour'))
              regs = colourSplit(regs, s.rgb, s.width, s.height, Number(split0.split(':')[1] ?? 30)).filter(
                (x) => x.pixels.length >= minArea,
              );
            const px = regs.map((reg) => cropPixels(s.rgb, s.width, s.height, reg, co));
            const test = d.test.includes(s);
            const all = await embedCrops(test ? px.flatMap((p) => dihedral(p, side, 8)) : px);
            const nv = test ? 8 : 1;
            unl.push({
              s,
              map,
              idx,
              regs,
              f: regs.map((_, j) => all[j * nv]),
              tta: regs.map((_, j) => all.slice(j * nv, j * nv + nv)),
              test,
            });
          }
          const classes = [...new Set(lab.map((x) => x.cls))].sort((p, q) => p - q);
          const ci = new Map(classes.map((c, i) => [c, i]));
          const fitOn = (rows: { f: Float32Array; cls: number }[]) => {
            const dd = rows[0].f.length,
              X = new Float32Array(rows.length * dd),
              y = new Int32Array(rows.length);
            rows.forEach((x, i) => {
              X.set(x.f, i * dd);
              y[i] = ci.get(x.cls)!;
            });
            return fitLogReg(X, y, rows.length, dd, classes.length, { seed: 0, l2: 1e-2 }).model;
          };
          const evalNames = (name: string, namesOf: (u: (typeof unl)[number]) => number[]) => {
            const acc = new IouAcc(K),
              ideal = new IouAcc(K),
              pix = new IouAcc(K),
              fg = new IouAcc(2);
            for (const u of unl) {
              if (!u.test) continue;
              const { h, w } = u.s.grid;
              const cls = namesOf(u);
              const g2 = relabelGrid(Uint8Array.from(u.map), K, h, w, u.s.width, u.s.height, u.regs, cls);
              const named = refineMap(g2, K, h, w, guide(u.s)).idx;
              acc.add(named, u.s.mask!);
              if (a.dump && name === 'base' && dumped < 8) {
                const pal = [
                  [90, 90, 90],
                  [230, 25, 75],
                  [60, 180, 75],
                  [67, 99, 216],
                  [245, 130, 49],
                ];
                const W = u.s.width,
                  H = u.s.height,
                  big = new Uint8Array(W * 4 * H * 3);
                const put = (src: ArrayLike<number>, col: number, rgb = false) => {
                  for (let y = 0; y < H; y++)
                    for (let x = 0; x < W; x++)
                      for (let c = 0; c < 3; c++)
                        big[(y * W * 4 + col * W + x) * 3 + c] = rgb
                          ? src[(y * W + x) * 3 + c]
                          : pal[src[y * W + x]][c];
                };
                put(u.s.rgb, 0, true);
                put(u.s.mask!, 1);
                put(u.idx, 2);
                put(named, 3);
                void sharp(big, { raw: { width: W * 4, height: H, channels: 3 } })
                  .png()
                  .toFile(`${a.dump}/${style}-${split.replace(/[/:]/g, '_')}-${dumped}.png`);
                dumped++;
              }
              if (name === 'base') {
                const maj = u.regs.map((reg) => {
                  const cnt = new Int32Array(K);
                  for (const p of reg.pixels) cnt[u.s.mask![p]]++;
                  let b = 1;
                  for (let c = 2; c < K; c++) if (cnt[c] > cnt[b]) b = c;
                  return b;
                });
                ideal.add(relabel(Uint8Array.from(u.idx), u.regs, maj), u.s.mask!);
                const t = u.s.mask!;
                pix.add(
                  Uint8Array.from(u.idx, (v, i) => (v && t[i] ? t[i] : v)),
                  t,
                );
                fg.add(
                  Uint8Array.from(u.idx, (v) => (v ? 1 : 0)),
                  Uint8Array.from(t, (v) => (v ? 1 : 0)),
                );
              }
            }
            put(`${split} ${name}`, acc.mean() / oracle);
            if (name === 'base') {
              put(`${split} ceiling (true names)`, ideal.mean() / oracle);
              put(`${split} ceiling (true fg pixel names)`, pix.mean() / oracle);
              put(`${split} fg IoU (abs)`, fg.perClass()[1]!);
            }
          };
          const keepUnseen = (u: (typeof unl)[number], names: number[]) =>
            names.map((c, j) => (ci.has(u.regs[j].cls) ? c : u.regs[j].cls));
          const argmax = (p: ArrayLike<number>) => {
            let b = 0;
            for (let i = 1; i < p.length; i++) if (p[i] > p[b]) b = i;
            return b;
          };
          if (classes.length < 2) continue;
          // the trainer: crop + mirror, logreg
          const m2 = fitOn(lab.filter((x) => x.view === 0 || x.view === 4));
          evalNames('base', (u) =>
            keepUnseen(
              u,
              u.f.map((f) => classes[argmax(predictProba(m2, f, 1))]),
            ),
          );
          for (const [nm, vs] of [
            ['perm', [0, 4, 8, 9, 10, 11]],
            ['ink', [0, 4, 12, 13, 14, 15]],
            ['perm+ink', [0, 4, 8, 9, 10, 11, 12, 13, 14, 15]],
            ['all16', Array.from({ length: 16 }, (_, i) => i)],
            ['cur+rot', [0, 4, 8, 9, 10, 11, 12, 13, 14, 15, 1, 2, 3]],
          ] as [string, number[]][]) {
            const mv = fitOn(lab.filter((x) => vs.includes(x.view)));
            evalNames(nm, (u) =>
              keepUnseen(
                u,
                u.f.map((f) => classes[argmax(predictProba(mv, f, 1))]),
              ),
            );
          }
          // 8 views per labelled crop
          const m8 = fitOn(lab.filter((x) => x.view < 8));
          evalNames('d8', (u) =>
            keepUnseen(
              u,
              u.f.map((f) => classes[argmax(predictProba(m8, f, 1))]),
            ),
          );
          evalNames('d8+tta', (u) =>
            keepUnseen(
              u,
              u.tta.map((vs) => {
                const p = new Float64Array(classes.length);
                for (const f of vs) predictProba(m8, f, 1).forEach((v, i) => (p[i] += Math.log(Math.max(1e-6, v))));
                return classes[argmax(p)];
              }),
            ),
          );
          // centred + L2 (mean over every crop: labelled and unlabelled)
          const dd = lab[0].f.length,
            mu = new Float32Array(dd);
          const allF = [...lab.map((x) => x.f), ...unl.flatMap((u) => u.f)];
          for (const f of allF) for (let i = 0; i < dd; i++) mu[i] += f[i] / allF.length;
          const labC = lab.filter((x) => x.view < 8).map((x) => ({ ...x, f: centre(x.f, mu) }));
          const mC = fitOn(labC);
          evalNames('d8 cl2n', (u) =>
            keepUnseen(
              u,
              u.f.map((f) => classes[argmax(predictProba(mC, centre(f, mu), 1))]),
            ),
          );
          // nearest class mean (cosine on centred features)
          const protos = classes.map((c) => {
            const p = new Float32Array(dd);
            for (const x of labC) if (x.cls === c) for (let i = 0; i < dd; i++) p[i] += x.f[i];
            return l2n(p);
          });
          const ncm = (f: Float32Array) => {
            const g = centre(f, mu);
            return classes[argmax(protos.map((p) => p.reduce((s, v, i) => s + v * g[i], 0)))];
          };
          evalNames('d8 ncm', (u) =>
            keepUnseen(
              u,
              u.f.map((f) => ncm(f)),
            ),
          );
          // label propagation over labelled views + every unlabelled region
          const Xs = [...labC.map((x) => x.f), ...unl.flatMap((u) => u.f.map((f) => centre(f, mu)))];
          const ys = [...labC.map((x) => ci.get(x.cls)!), ...unl.flatMap((u) => u.f.map(() => -1))];
          for (const [knn, alpha] of [
            [10, 0.9],
            [20, 0.99],
          ]) {
            const F = propagate(Xs, ys, classes.length, knn, alpha);
            let o = labC.length;
            const byU = new Map<(typeof unl)[number], number[]>();
            for (const u of unl) {
              byU.set(
                u,
                u.f.map((_, j) => classes[argmax(F[o + j])]),
              );
              o += u.f.length;
            }
            evalNames(`lp k${knn} a${alpha}`, (u) => keepUnseen(u, byU.get(u)!));
          }
        }
      }
      console.log(`  draw ${r} k=${k}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    for (const [name, v] of scores) console.log(`  ${style} k=${k} ${name.padEnd(28)} ${mean(v).toFixed(2)}×`);
  }
}
await ce.dispose();
