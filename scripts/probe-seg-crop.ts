// Probe: name each predicted region by a classifier on the pooled embedding of its crop. The patch head is
// fitted on the dense masks of k scenes (as scripts/probe-seg-few.ts); its refined map gives the regions
// (connected non-background pixels); a softmax head on the crops of the k scenes' true regions names them.
// Compared: the patch head alone (`base`), the crop head (`crop`), the crop head times the patch head's
// mean probability over the region (`mix`), and the crop head's accuracy on the test scenes' true regions.
// Crop options: margin (fraction of the box's longer side), fill (`image`, `grey` outside the region, or `sil`:
// the region's silhouette, black on white), augmentation (`flip`, `d4`, `d8`). Also the ceiling: each
// predicted region given its true majority class. The adopted setting, as the trainer runs it:
//   npx tsx scripts/probe-seg-crop.ts --crops "0.2:grey:flip" --regions parts:0.25 --keep-unseen
import { Command } from 'commander';
import { loadSegData, type SegScene } from '../bench/seg-data.ts';
import { cropEmbedder } from '../bench/seg-few.ts';
import { fitSegmentation, maskToPatchLabels, predictMap } from '../trainer/heads/segmentation.ts';
import { refineMap } from '../common/seg/refine.ts';
import {
  cropPixels,
  fitCropHead,
  dihedral,
  flipCrop,
  regionsOf,
  relabel,
  type CropOptions,
  type CropSample,
  type Region,
} from '../trainer/heads/seg-regions.ts';
import { regionClasses, relabelGrid, shapeRegions } from '../trainer/heads/seg-naming.ts';
import { bilinearArgmax, IouAcc, nearestArgmax, oracleMap } from './simulate/seg-metrics.ts';
import { rng, shuffled } from './make-mnist.ts';
import type { SimOptions } from './simulate/options.ts';

const a = new Command('npx tsx scripts/probe-seg-crop.ts')
  .description('segmentation from a few labelled scenes: regions named by a classifier on their crops')
  .option('--styles <list>', 'scene styles', 'coloured,textured')
  .option('--k <list>', 'labelled scenes', '2,5,10')
  .option('--draws <n>', 'draws of the labelled scenes', '2')
  .option('--seed <n>', 'scene seed', '3')
  .option('--count <n>', 'scenes per style', '80')
  .option('--crops <list>', 'crop settings margin:fill[:flip], fill = image | grey', '0.2:image;0.2:grey')
  .option('--mix <list>', 'weights of the patch head in the mixed vote', '1')
  .option('--min-area <n>', 'smallest region, pixels', '64')
  .option(
    '--regions <by>',
    'predicted regions: foreground (touching shapes join), class, or parts:F (foreground split into class parts of at least F of it)',
    'foreground',
  )
  .option('--keep-unseen', 'a region keeps its map class when the crop head has no labelled region of it')
  .option('--ideal-bg', 'the ceiling may name a region background')
  .showHelpAfterError()
  .parse()
  .opts<{
    styles: string;
    k: string;
    draws: string;
    seed: string;
    count: string;
    crops: string;
    mix: string;
    minArea: string;
    idealBg?: boolean;
    keepUnseen?: boolean;
    regions: string;
  }>();

const ce = await cropEmbedder('mobilenetv2-imagenet'),
  side = ce.side;
const embedCrops = (crops: Uint8Array[]) => ce.embed(crops, side);

const ks = a.k.split(',').map(Number),
  draws = Number(a.draws),
  seed = Number(a.seed),
  minArea = Number(a.minArea),
  mixes = a.mix.split(',').map(Number),
  idealBg = !!a.idealBg,
  keep = !!a.keepUnseen;
const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
let embedMs = 0,
  embedded = 0;
for (const style of a.styles.split(',') as SimOptions['sceneStyle'][]) {
  const d = await loadSegData({ style, count: Number(a.count), seed });
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
  const trueRegions = (s: SegScene) => regionsOf(s.mask!, s.width, s.height, { by: 'class', minArea });
  for (const spec of a.crops.split(';')) {
    const [m, fill, flip] = spec.split(':');
    const co: CropOptions = {
      margin: Number(m),
      side,
      fill: fill === 'grey' ? [124, 116, 104] : fill === 'sil' ? [255, 255, 255] : null,
      ink: fill === 'sil' ? [0, 0, 0] : null,
    };
    // the crops of every train scene's true regions (and their mirror images), embedded once
    const t0 = performance.now();
    const trainSamples: CropSample[][] = [];
    for (const s of d.train) {
      const regs = trueRegions(s),
        px = regs.map((r) => cropPixels(s.rgb, s.width, s.height, r, co));
      const na = flip === 'd8' ? 8 : flip === 'd4' ? 4 : flip ? 2 : 1;
      const f = await embedCrops(px.flatMap((p) => (na === 2 ? [p, flipCrop(p, side)] : dihedral(p, side, na))));
      embedded += f.length;
      trainSamples.push(f.map((feature, i) => ({ feature, cls: regs[Math.floor(i / na)].cls, view: i % na })));
    }
    const testTrue = await Promise.all(
      d.test.map(async (s) => {
        const regs = trueRegions(s);
        const f = await embedCrops(regs.map((r) => cropPixels(s.rgb, s.width, s.height, r, co)));
        embedded += f.length;
        return { regs, f };
      }),
    );
    embedMs += performance.now() - t0;
    const row: string[] = [];
    for (const k of ks) {
      const base: number[] = [],
        crop: number[] = [],
        acc: number[] = [],
        mixed: number[][] = mixes.map(() => []),
        ideal: number[] = [],
        grid: number[] = [],
        perImg: number[] = [];
      for (let r = 0; r < draws; r++) {
        const pick = shuffled([...d.train.keys()], rng(1000 + r * 17 + k)).slice(0, k);
        const { model } = fitSegmentation(
          pick.map((i) => ({ features: d.train[i].grid.data, labels: labels[i] })),
          d.train[0].grid.d,
          K,
          { seed: 0 },
        );
        const head = fitCropHead(
          pick.flatMap((i) => trainSamples[i]),
          K,
        );
        // crop head accuracy on the test scenes' true regions
        if (head) {
          let ok = 0,
            all = 0;
          for (const t of testTrue) {
            const cls = regionClasses(head, t.f);
            t.regs.forEach((reg, j) => {
              all++;
              if (cls[j] === reg.cls) ok++;
            });
          }
          acc.push(ok / all);
        }
        const aG = new IouAcc(K),
          aI = new IouAcc(K),
          aB = new IouAcc(K),
          aC = new IouAcc(K),
          aM = mixes.map(() => new IouAcc(K));
        for (const s of d.test) {
          const t1 = performance.now();
          const { h, w } = s.grid,
            n = h * w;
          const map = predictMap(model, s.grid.data, h, w).map;
          const idx = refineMap(map, K, h, w, guide(s)).idx;
          aB.add(idx, s.mask!);
          if (!head) {
            aC.add(idx, s.mask!);
            aG.add(idx, s.mask!);
            aM.forEach((x) => x.add(idx, s.mask!));
            continue;
          }
          const regs: Region[] = a.regions.startsWith('parts')
            ? shapeRegions(idx, s.width, s.height, minArea, Number(a.regions.split(':')[1] ?? 0.25))
            : regionsOf(idx, s.width, s.height, { by: a.regions as 'class' | 'foreground', minArea });
          const t2 = performance.now();
          const f = await embedCrops(regs.map((reg) => cropPixels(s.rgb, s.width, s.height, reg, co)));
          embedded += f.length;
          embedMs += performance.now() - t2;
          // the ceiling of naming regions: each predicted region the majority true class of its pixels
          const maj = regs.map((reg) => {
            const cnt = new Int32Array(K);
            for (const p of reg.pixels) cnt[s.mask![p]]++;
            let b = idealBg ? 0 : 1;
            for (let c = b + 1; c < K; c++) if (cnt[c] > cnt[b]) b = c;
            return b;
          });
          aI.add(relabel(Uint8Array.from(idx), regs, maj), s.mask!);
          const cls = regionClasses(head, f, { own: keep ? regs.map((r) => r.cls) : undefined });
          aC.add(relabel(Uint8Array.from(idx), regs, cls), s.mask!);
          // what the trainer sends: the grid map relabelled, refined again
          const g2 = relabelGrid(Uint8Array.from(map), K, h, w, s.width, s.height, regs, cls);
          aG.add(refineMap(g2, K, h, w, guide(s)).idx, s.mask!);
          // the patch head's mean probability over each region (at the patch that holds each pixel)
          const pm = regs.map((reg) => {
            const v = new Float32Array(K);
            for (const p of reg.pixels) {
              const x = p % s.width,
                y = (p - x) / s.width;
              const q =
                Math.min(h - 1, Math.floor((y * h) / s.height)) * w + Math.min(w - 1, Math.floor((x * w) / s.width));
              for (let c = 0; c < K; c++) v[c] += map[c * n + q];
            }
            return v;
          });
          mixes.forEach((mx, j) =>
            aM[j].add(
              relabel(
                Uint8Array.from(idx),
                regs,
                regionClasses(head, f, { patchMean: pm, mix: mx, own: keep ? regs.map((r) => r.cls) : undefined }),
              ),
              s.mask!,
            ),
          );
          perImg.push(performance.now() - t1);
        }
        base.push(aB.mean());
        crop.push(aC.mean());
        ideal.push(aI.mean());
        grid.push(aG.mean());
        mixes.forEach((_, j) => mixed[j].push(aM[j].mean()));
      }
      const x = (v: number[]) => `${(mean(v) / oracle).toFixed(2)}×`;
      row.push(
        `k=${k}: base ${x(base)} crop ${x(crop)} grid ${x(grid)} ${mixes.map((mx, j) => `mix${mx} ${x(mixed[j])}`).join(' ')} ideal ${x(ideal)} (crop acc on true regions ${acc.length ? mean(acc).toFixed(2) : '–'}; ${mean(perImg).toFixed(0)} ms/img)`,
      );
    }
    console.log(`  ${spec.padEnd(14)} ${row.join('\n                 ')}`);
  }
}
console.log(`crop embeddings: ${embedded} in ${(embedMs / 1000).toFixed(1)} s`);
await ce.dispose();
