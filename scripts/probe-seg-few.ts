// Probe: which head turns a few fully labelled scenes into the right class per region? Each variant is
// fitted on the dense masks of k scenes (several draws) and its maps, refined to the image's edges, are
// scored at full resolution against the patch-grid oracle. Also the foreground IoU (any shape vs
// background), which separates "the outline is wrong" from "the class of the region is wrong".
// Variants: `base` (the trainer's head), `ctx:R1,R2` (each token with the means of boxes of radius R),
// `+vote` / `+lvote` / `+bvote` (one class per connected non-background region: mean probability, summed
// log-probability, log-probability of the region's outline patches only), `+rhead` (a second linear head on
// the region's mean token), `+l2=X` (the head's L2), `scale:S` / `both:S` (block 13's tokens of the image
// embedded at short side S instead of 448, resized to the 448 grid; `both`: beside the 448 tokens).
// `--backbone DIR` for another token map.
// Usage: npx tsx scripts/probe-seg-few.ts --styles coloured,textured --variants "base;ctx:2,6;base+vote"
//        [--k 2,5,10] [--draws 2] [--seed 3] [--count 80] [--backbone DIR]
import { Command } from 'commander';
import { loadSegData, type SegScene } from '../bench/seg-data.ts';
import { createEmbedder } from '../trainer/embed.ts';
import { fitSegmentation, maskToPatchLabels } from '../trainer/heads/segmentation.ts';
import { fitLogReg, predictProba, type LogRegModel } from '../trainer/heads/logreg.ts';
import { refineMap } from '../common/seg/refine.ts';
import { bilinearArgmax, IouAcc, nearestArgmax, oracleMap } from './simulate/seg-metrics.ts';
import { rng, shuffled } from './make-mnist.ts';
import type { SimOptions } from './simulate/options.ts';
import { contextTokens, regionVote } from './seg-context.ts';

/** Connected (4-neighbour) regions of the patches where `inside` holds; `same`: also split where `lab` changes. */
function regions(lab: Int32Array, h: number, w: number, inside: (p: number) => boolean, same: boolean): number[][] {
  const n = h * w,
    seen = new Uint8Array(n),
    out: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (seen[s] || !inside(s)) continue;
    const reg: number[] = [],
      stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      reg.push(p);
      const x = p % w,
        y = (p - x) / w;
      for (const q of [x > 0 ? p - 1 : -1, x + 1 < w ? p + 1 : -1, y > 0 ? p - w : -1, y + 1 < h ? p + w : -1])
        if (q >= 0 && !seen[q] && inside(q) && (!same || lab[q] === lab[p])) {
          seen[q] = 1;
          stack.push(q);
        }
    }
    out.push(reg);
  }
  return out;
}

function meanToken(f: Float32Array, d: number, reg: number[]): Float32Array {
  const m = new Float32Array(d);
  for (const p of reg) for (let k = 0; k < d; k++) m[k] += f[p * d + k];
  for (let k = 0; k < d; k++) m[k] /= reg.length;
  return m;
}

const argmaxRows = (pr: Float32Array, K: number, n: number) =>
  Int32Array.from({ length: n }, (_, p) => {
    let b = 0;
    for (let c = 1; c < K; c++) if (pr[p * K + c] > pr[p * K + b]) b = c;
    return b;
  });

/** Every patch of a region gets class b for its whole non-background probability. */
function assign(pr: Float32Array, K: number, reg: number[], b: number): void {
  for (const p of reg) {
    const bg = pr[p * K];
    for (let c = 1; c < K; c++) pr[p * K + c] = c === b ? 1 - bg : 0;
  }
}

/** One class per region by summed log-probability (renormalised over the shape classes); `outline`: only
 *  the region's patches next to background count. */
function logVote(pr: Float32Array, K: number, h: number, w: number, outline: boolean): void {
  const top = argmaxRows(pr, K, h * w);
  for (const reg of regions(top, h, w, (p) => top[p] !== 0, false)) {
    const score = new Float64Array(K);
    let used = 0;
    for (const p of reg) {
      const x = p % w,
        y = (p - x) / w;
      const edge = [x > 0 ? p - 1 : -1, x + 1 < w ? p + 1 : -1, y > 0 ? p - w : -1, y + 1 < h ? p + w : -1].some(
        (q) => q >= 0 && top[q] === 0,
      );
      if (outline && !edge) continue;
      used++;
      let fg = 0;
      for (let c = 1; c < K; c++) fg += pr[p * K + c];
      for (let c = 1; c < K; c++) score[c] += Math.log(Math.max(1e-4, pr[p * K + c] / Math.max(1e-6, fg)));
    }
    if (!used) continue;
    let b = 1;
    for (let c = 2; c < K; c++) if (score[c] > score[b]) b = c;
    assign(pr, K, reg, b);
  }
}

const a = new Command('npx tsx scripts/probe-seg-few.ts')
  .description('segmentation from a few labelled scenes: linear-head variants on the patch tokens')
  .option('--styles <list>', 'scene styles', 'coloured,textured')
  .option('--variants <list>', 'variants, separated by ;', 'base;ctx:2,6;base+vote')
  .option('--k <list>', 'labelled scenes', '2,5,10')
  .option('--draws <n>', 'draws of the labelled scenes', '2')
  .option('--seed <n>', 'scene seed', '3')
  .option('--count <n>', 'scenes per style', '80')
  .option('--backbone <dir>', 'another token map')
  .showHelpAfterError()
  .parse()
  .opts<{
    styles: string;
    variants: string;
    k: string;
    draws: string;
    seed: string;
    count: string;
    backbone?: string;
  }>();
/** Each scene's tokens at short side `side`, bilinearly resized to its own grid. */
async function tokensAt(scenes: SegScene[], side: number, backbone?: string): Promise<Float32Array[]> {
  const e = await createEmbedder({
    backbone: backbone ?? 'mobilenetv2-imagenet',
    device: 'cpu',
    offline: true,
    segShortSide: side,
  });
  const small: { h: number; w: number; data: Float32Array }[] = new Array(scenes.length);
  await e.embedPaths(
    scenes.map((s) => s.file),
    'grid',
    (r) => {
      if (!r.ok) throw new Error(`${r.path}: ${r.error}`);
      small[r.index] = r.embedding.grid!;
    },
  );
  await e.dispose();
  return scenes.map((s, i) => {
    const g = small[i],
      { h, w, d } = s.grid,
      out = new Float32Array(h * w * d);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const fy = Math.min(g.h - 1, Math.max(0, ((y + 0.5) * g.h) / h - 0.5)),
          fx = Math.min(g.w - 1, Math.max(0, ((x + 0.5) * g.w) / w - 0.5));
        const y0 = Math.floor(fy),
          x0 = Math.floor(fx),
          y1 = Math.min(g.h - 1, y0 + 1),
          x1 = Math.min(g.w - 1, x0 + 1),
          ty = fy - y0,
          tx = fx - x0;
        const at = (yy: number, xx: number, k: number) => g.data[(yy * g.w + xx) * d + k];
        for (let k = 0; k < d; k++)
          out[(y * w + x) * d + k] =
            (1 - ty) * ((1 - tx) * at(y0, x0, k) + tx * at(y0, x1, k)) +
            ty * ((1 - tx) * at(y1, x0, k) + tx * at(y1, x1, k));
      }
    return out;
  });
}

const ks = a.k.split(',').map(Number),
  draws = Number(a.draws),
  seed = Number(a.seed);
for (const style of a.styles.split(',') as SimOptions['sceneStyle'][]) {
  const d = await loadSegData({ style, count: Number(a.count), seed, ...(a.backbone ? { backbone: a.backbone } : {}) });
  const K = d.classNames.length;
  const guide = (s: SegScene) => ({ data: s.rgb, width: s.width, height: s.height, channels: 3 as const });
  const oracleMaps = d.test.map((s) => oracleMap(s.mask!, K, s.width, s.height, s.grid.h, s.grid.w));
  const on = new IouAcc(K),
    ob = new IouAcc(K);
  d.test.forEach((s, i) => {
    on.add(nearestArgmax(oracleMaps[i], K, s.grid.h, s.grid.w, s.width, s.height), s.mask!);
    ob.add(bilinearArgmax(oracleMaps[i], K, s.grid.h, s.grid.w, s.width, s.height), s.mask!);
  });
  const oracle = Math.max(on.mean(), ob.mean());
  console.log(`${style} seed ${seed}: ${d.train.length} train / ${d.test.length} test, oracle ${oracle.toFixed(3)}`);
  const labels = d.train.map((s) =>
    maskToPatchLabels(
      Uint8Array.from(s.mask!, (v) => v + 1),
      { imageWidth: s.width, imageHeight: s.height, gridWidth: s.grid.w, gridHeight: s.grid.h },
    ),
  );
  for (const v of a.variants.split(';')) {
    const m = /^(base|ctx:([\d,]+)|(scale|both):(\d+))(\+vote|\+lvote|\+bvote|\+rhead)?(?:\+l2=([\d.e-]+))?$/.exec(v);
    if (!m) throw new Error(`unknown variant ${v}`);
    m.splice(3, 2); // the scale groups, read below
    const scale = /^(scale|both):(\d+)/.exec(v);
    const radii = m[2] ? m[2].split(',').map(Number) : [],
      post = m[3] ?? '',
      l2 = m[4] ? { l2: Number(m[4]) } : {};
    const tokens = (s: SegScene) => contextTokens(s.grid.data, s.grid.h, s.grid.w, s.grid.d, radii);
    let trainF = d.train.map(tokens),
      testF = d.test.map(tokens);
    if (scale) {
      const dd = d.train[0].grid.d,
        at = await tokensAt([...d.train, ...d.test], Number(scale[2]), a.backbone);
      const both = (s: SegScene, own: Float32Array, other: Float32Array) => {
        if (scale[1] === 'scale') return other;
        const n = s.grid.h * s.grid.w,
          out = new Float32Array(n * 2 * dd);
        for (let p = 0; p < n; p++) {
          out.set(own.subarray(p * dd, p * dd + dd), p * 2 * dd);
          out.set(other.subarray(p * dd, p * dd + dd), p * 2 * dd + dd);
        }
        return out;
      };
      trainF = d.train.map((s, i) => both(s, trainF[i], at[i]));
      testF = d.test.map((s, i) => both(s, testF[i], at[d.train.length + i]));
    }
    const D = trainF[0].length / labels[0].length;
    const row: string[] = [];
    for (const k of ks) {
      const mious: number[] = [],
        fgs: number[] = [];
      let fitMs = 0;
      for (let r = 0; r < draws; r++) {
        const pick = shuffled([...d.train.keys()], rng(1000 + r * 17 + k)).slice(0, k);
        const t0 = performance.now();
        const { model } = fitSegmentation(
          pick.map((i) => ({ features: trainF[i], labels: labels[i] })),
          D,
          K,
          { seed: 0, ...l2 },
        );
        let rmodel: LogRegModel | null = null;
        if (post === '+rhead') {
          const X: number[] = [],
            Y: number[] = [];
          for (const i of pick) {
            const s = d.train[i],
              L = labels[i];
            for (const reg of regions(L, s.grid.h, s.grid.w, (p) => L[p] > 0, true)) {
              X.push(...meanToken(s.grid.data, s.grid.d, reg));
              Y.push(L[reg[0]]);
            }
          }
          rmodel = fitLogReg(Float32Array.from(X), Int32Array.from(Y), Y.length, d.train[0].grid.d, K, {
            l2: 0.1,
          }).model;
        }
        fitMs += performance.now() - t0;
        const acc = new IouAcc(K),
          fg = new IouAcc(2);
        d.test.forEach((s, i) => {
          const { h, w } = s.grid,
            n = h * w,
            pr = predictProba(model, testF[i], n);
          if (post === '+vote') regionVote(pr, K, h, w, 0);
          if (post === '+lvote' || post === '+bvote') logVote(pr, K, h, w, post === '+bvote');
          if (rmodel) {
            const top = argmaxRows(pr, K, n);
            for (const reg of regions(top, h, w, (p) => top[p] !== 0, false)) {
              const q = predictProba(rmodel, meanToken(s.grid.data, s.grid.d, reg), 1);
              let b = 1;
              for (let c = 2; c < K; c++) if (q[c] > q[b]) b = c;
              assign(pr, K, reg, b);
            }
          }
          const map = new Uint8Array(K * n);
          for (let p = 0; p < n; p++) for (let c = 0; c < K; c++) map[c * n + p] = Math.round(pr[p * K + c] * 255);
          const out = refineMap(map, K, h, w, guide(s)).idx;
          acc.add(out, s.mask!);
          fg.add(
            Uint8Array.from(out, (x) => +(x > 0)),
            Uint8Array.from(s.mask!, (x) => +(x > 0)),
          );
        });
        mious.push(acc.mean());
        fgs.push(fg.mean());
      }
      const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
      row.push(
        `k=${k}: ${mean(mious).toFixed(3)} (${(mean(mious) / oracle).toFixed(2)}×, draws ${mious.map((x) => x.toFixed(2)).join(' ')}, foreground ${mean(fgs).toFixed(2)}, fit ${(fitMs / draws / 1000).toFixed(1)} s)`,
      );
    }
    console.log(`  ${v.padEnd(18)} ${row.join('  ')}`);
  }
}
