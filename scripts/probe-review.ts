// How trustworthy is the review list on real features? Demo pictures where only the shape tells the classes
// apart (random colours and backgrounds), embedded by mobilenetv2-imagenet (fp16-rounded, as the trainer
// caches them); per draw, N random pictures are labelled, a share of the labels flipped to another class,
// and the trainer's own k-fold (trainer/quality/kfold.ts) and ranking (label-issues.ts) run on them.
// Prints per draw: correct labels flagged at score ≥ 0.9, flags, their precision and recall against the
// flips, and precision at k = flips of the ranking.
// Usage: npx tsx scripts/probe-review.ts [--count 600] [--labels 32,200,400] [--flip 0,0.1] [--draws 5]
import { Command } from 'commander';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeDemoImages } from './make-demo.ts';
import { embedPooled } from './probe-backbone.ts';
import { fromHalf, toHalf } from '../trainer/fp16.ts';
import { KFold } from '../trainer/quality/kfold.ts';
import { rankLabelIssues } from '../trainer/quality/label-issues.ts';
import { Slicer } from '../trainer/quality/slices.ts';
import { mulberry32 } from '../trainer/rng.ts';

export interface Pool {
  X: Float32Array;
  d: number;
  y: number[];
  C: number;
}

/** `count` shape-only demo pictures through mobilenetv2-imagenet, features rounded to fp16 like the cache */
export async function demoPool(dir: string, count: number, seed = 7): Promise<Pool> {
  const { items } = await makeDemoImages(path.join(dir, 'demo'), { count, seed, cue: 'shape' });
  const { X, d } = await embedPooled(
    'mobilenetv2-imagenet',
    items.map((i) => i.file),
  );
  return { X: X.map((v) => fromHalf(toHalf(v))), d, y: items.map((i) => i.classIndex - 1), C: 4 };
}

export interface Trial {
  labels: number;
  flips: number;
  correctFlagged90: number;
  flagged: number;
  truePositives: number;
  topK: number;
  waiting: string | null;
  maxScoreCorrect: number;
}

/** One draw: `n` random labels, a `flipRate` share flipped, the review list as the trainer makes it. */
export async function reviewTrial(pool: Pool, n: number, flipRate: number, seed: number): Promise<Trial> {
  const { d, C } = pool,
    r = mulberry32(seed);
  const pick = pool.y
    .map((_, i) => ({ i, k: r() }))
    .sort((a, b) => a.k - b.k)
    .slice(0, n)
    .map((o) => o.i);
  const X = new Float32Array(n * d),
    y = new Int32Array(n),
    wrong = new Set<number>();
  pick.forEach((i, q) => {
    X.set(pool.X.subarray(i * d, (i + 1) * d), q * d);
    y[q] = pool.y[i];
    if (r() < flipRate) {
      y[q] = (pool.y[i] + 1 + Math.floor(r() * (C - 1))) % C;
      wrong.add(q + 1);
    }
  });
  const ids = pick.map((_, q) => q + 1);
  const oos = await new KFold(5).run({ ids, X, y, d, C }, new Slicer(1e9), () => true);
  const res = rankLabelIssues({ ids, probs: oos.probs, y, C, classIds: [0, 1, 2, 3], updatedAt: ids.map(() => 1) });
  const flagged = res.items.filter((i) => i.flagged);
  return {
    labels: n,
    flips: wrong.size,
    waiting: res.waiting,
    correctFlagged90: flagged.filter((i) => !wrong.has(i.id) && i.score >= 0.9).length,
    flagged: flagged.length,
    truePositives: flagged.filter((i) => wrong.has(i.id)).length,
    topK: res.items.slice(0, wrong.size).filter((i) => wrong.has(i.id)).length,
    maxScoreCorrect: Math.max(0, ...res.items.filter((i) => !wrong.has(i.id) && i.flagged).map((i) => i.score)),
  };
}

async function main() {
  const values = new Command('npx tsx scripts/probe-review.ts')
    .description('the review list on demo pictures with flipped labels: precision and recall per trial')
    .option('--count <n>', 'demo pictures', '600')
    .option('--labels <list>', 'labels given, comma-separated', '32,200,400')
    .option('--flip <list>', 'shares of flipped labels, comma-separated', '0,0.1')
    .option('--draws <n>', 'draws per setting', '5')
    .showHelpAfterError()
    .parse()
    .opts<{ count: string; labels: string; flip: string; draws: string }>();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hilt-review-'));
  try {
    const pool = await demoPool(tmp, Number(values.count));
    for (const flip of values.flip!.split(',').map(Number))
      for (const n of values.labels!.split(',').map(Number)) {
        for (let s = 1; s <= Number(values.draws); s++) {
          const t = await reviewTrial(pool, n, flip, s);
          const prec = t.flagged ? (t.truePositives / t.flagged).toFixed(2) : '–',
            rec = t.flips ? (t.truePositives / t.flips).toFixed(2) : '–';
          console.log(
            `labels ${n} flipped ${t.flips} draw ${s}: ${t.waiting ? `waiting (${t.waiting})` : `flagged ${t.flagged}, correct labels flagged at ≥ 0.9: ${t.correctFlagged90} (highest score of a flagged correct label ${t.maxScoreCorrect.toFixed(2)}), precision ${prec}, recall ${rec}, top-${t.flips} hits ${t.topK}`}`,
          );
        }
      }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
