// How well does the k-fold review rank flipped labels, without the server in the way? Reads the pool and
// the cached features of a `hilt simulate --work DIR` folder (classification, class-folders data such as
// --mnist), flips 10 % of N random labels, runs the trainer's k-fold (trainer/quality/kfold.ts) with each
// L2 given and prints precision at k = flipped per ranking score, over 4 draws.
// Usage: npx tsx scripts/probe-label-noise.ts WORKDIR [N=300] [folds=5] [l2=0.3,0.01]
import { Command } from 'commander';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FeatureCache } from '../trainer/features.ts';
import { KFold } from '../trainer/quality/kfold.ts';
import { Slicer } from '../trainer/quality/slices.ts';
import { mulberry32 } from '../trainer/rng.ts';

const cli = new Command('npx tsx scripts/probe-label-noise.ts')
  .description('precision at k of the k-fold review on flipped labels, from a `hilt simulate --work` folder')
  .argument('<workdir>', 'the simulate --work folder (with --keep)')
  .argument('[N]', 'labels', '300')
  .argument('[folds]', 'folds', '5')
  .argument('[l2]', 'L2 values, comma-separated', '0.3,0.01')
  .showHelpAfterError()
  .parse();
const [work, nArg, kArg, l2Arg] = cli.processedArgs as string[];
const N = Number(nArg),
  K = Number(kArg),
  l2s = l2Arg.split(',').map(Number);
const key = readdirSync(join(work, 'features')).find((f) => f.endsWith('-pooled'))!;
const cache = new FeatureCache(join(work, 'features'), key);
const paths = readFileSync(join(work, 'pool-r1.csv'), 'utf8').trim().split('\n').slice(1);
const names = [...new Set(paths.map((p) => basename(dirname(p))))].sort();
// the store is keyed by image id (checked against the sha256): the pool was imported in the CSV's order
const items = paths
  .map((p, k) => ({
    label: names.indexOf(basename(dirname(p))),
    f: cache.getPooled({ id: k + 1, sha256: createHash('sha256').update(readFileSync(p)).digest('hex') }),
  }))
  .filter((x): x is { label: number; f: Float32Array } => !!x.f);
const d = items[0].f.length,
  C = names.length;
console.log(`${items.length} pool images with features (${key}), ${C} classes; ${N} labels, ${K} folds`);
for (const l2 of l2s) {
  const prec: Record<string, number[]> = { 'self-confidence': [], 'normalised margin': [], accuracy: [] };
  for (let trial = 0; trial < 4; trial++) {
    const r = mulberry32(100 + trial);
    const pick = items
      .map((x) => ({ x, k: r() }))
      .sort((a, b) => a.k - b.k)
      .slice(0, N)
      .map((o) => o.x);
    const X = new Float32Array(N * d),
      y = new Int32Array(N),
      flipped = new Set<number>();
    pick.forEach((it, i) => {
      X.set(it.f, i * d);
      y[i] = it.label;
      if (r() < 0.1) {
        y[i] = (it.label + 1 + Math.floor(r() * (C - 1))) % C;
        flipped.add(i);
      }
    });
    const p = (
      await new KFold(K).run({ ids: pick.map((_, i) => i + 1), X, y, d, C }, new Slicer(1000), () => true, null, l2)
    ).probs;
    const other = (i: number) => {
      let m = 0;
      for (let c = 0; c < C; c++) if (c !== y[i]) m = Math.max(m, p[i * C + c]);
      return m;
    };
    const at = (score: (i: number) => number) =>
      [...Array(N).keys()]
        .sort((a, b) => score(b) - score(a))
        .slice(0, flipped.size)
        .filter((i) => flipped.has(i)).length / flipped.size;
    prec['self-confidence'].push(at((i) => 1 - p[i * C + y[i]]));
    prec['normalised margin'].push(at((i) => other(i) - p[i * C + y[i]]));
    let ok = 0;
    for (let i = 0; i < N; i++) {
      let b = 0;
      for (let c = 1; c < C; c++) if (p[i * C + c] > p[i * C + b]) b = c;
      if (b === pick[i].label) ok++;
    }
    prec.accuracy.push(ok / N);
  }
  for (const [s, v] of Object.entries(prec))
    console.log(
      `l2 ${l2}  ${s.padEnd(18)} ${v.map((x) => x.toFixed(2)).join(' ')}  mean ${(v.reduce((a, b) => a + b) / v.length).toFixed(3)}`,
    );
}
