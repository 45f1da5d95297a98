// Which suggestion rule saves labels, without the server in the way? `hilt simulate` drives a real server and
// trainer (minutes per run); this replays the same loop on precomputed features in one process (seconds per
// run) to compare variants of the producers (trainer/suggestions.ts) over many repeats before a full
// simulate. Same dataset split, pool orders (image ids), val split, warm-started head, suggestion lists
// (computeSuggestions, cold start included) and lag as simulate: the next image is chosen from the lists of
// the model *before* the label just given, as the UI does. Not the same: no timing, the lists are computed
// on every label (the trainer may skip a publish when labels come fast).
// Usage: npx tsx scripts/probe-strategies.ts --data DIR [--budget 300] [--repeats 6] [--every 10]
//          [--variants sequential,random,uncertain,cover3] [--seed 1] [--backbone mobilenetv2-imagenet] (--help)
// Variants: sequential, random, uncertain (the trainer's list as is), coverK (uncertain with classCover K),
// mix (uncertain with 20 % random), typical, typiclust (uncertain whose cold start has labels + 1 clusters, ≤ 50),
// tcK (typiclust with at most K clusters: the cold start reaches ~K labels).
import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createEmbedder } from '../trainer/embed.ts';
import { fetchModel } from '../trainer/backbones/registry.ts';
import { configHash } from '../trainer/backbones/folder.ts';
import { fitLogReg, predictProba, type LogRegModel } from '../trainer/heads/logreg.ts';
import { mulberry32 } from '../trainer/rng.ts';
import { isVal } from '../common/split.ts';
import { computeSuggestions } from '../trainer/suggestions.ts';
import { loadDataset, poolCsv, type Item } from './simulate/dataset.ts';
import { parseSimArgs } from './simulate/options.ts';
import { shuffled } from './make-mnist.ts';

const cli = new Command('npx tsx scripts/probe-strategies.ts')
  .description('replays the labelling loop on precomputed features to compare suggestion-rule variants')
  .requiredOption('--data <dir>', 'a labelled dataset (class-folders or a CSV), as `hilt simulate --data`')
  .option('--budget <n>', 'labels per run', '300')
  .option('--repeats <n>', 'runs per variant', '6')
  .option('--every <k>', 'evaluate every k labels', '10')
  .option('--seed <n>', 'seed for the split and the orders', '1')
  .option('--backbone <name>', 'backbone of the features', 'mobilenetv2-imagenet')
  .option('--variants <list>', 'comma-separated (see the top of this file)', 'sequential,random,uncertain,cover3')
  .option('--out <file>', 'write the curves (JSON) here after every run')
  .option('--merge <list>', 'summarise the curves of these --out files (runs made in several processes)')
  .showHelpAfterError()
  .parse()
  .opts<{
    data: string;
    budget: string;
    repeats: string;
    every: string;
    seed: string;
    backbone: string;
    variants: string;
    out?: string;
    merge?: string;
  }>();
const data = cli.data,
  budget = Number(cli.budget),
  repeats = Number(cli.repeats);
const every = Number(cli.every),
  seed = Number(cli.seed),
  backbone = cli.backbone;
const variants = cli.variants.split(',');

const parsed = parseSimArgs(['--data', data, '--seed', String(seed), '--backbone', backbone]);
if (parsed === 'help') process.exit(0);
const o = parsed;
const ds = await loadDataset(o, resolve('.tmp'));
const C = ds.classNames.length;

/** pooled features of every item, cached in .tmp by (files, backbone, its folder's config hash, resolution) */
async function features(items: Item[]): Promise<{ X: Float32Array; d: number }> {
  const folder = (await fetchModel(backbone, { offline: true })).dir;
  const key = createHash('sha256')
    .update(JSON.stringify([backbone, o.resolution, items.map((i) => i.file), configHash(folder)]))
    .digest('hex')
    .slice(0, 16);
  const file = join('.tmp', 'probe-features', `${key}.f32`);
  if (existsSync(file)) {
    const buf = readFileSync(file);
    const X = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
    return { X, d: X.length / items.length };
  }
  const e = await createEmbedder({
    backbone,
    device: 'cpu',
    offline: true,
    resolution: o.resolution,
    fetchMissing: true,
  });
  const rows: Float32Array[] = new Array(items.length);
  const t0 = performance.now();
  await e.embedPaths(
    items.map((i) => i.file),
    'pooled',
    (r) => {
      if (!r.ok) throw new Error(`${r.path}: ${r.error}`);
      rows[r.index] = r.embedding.pooled;
    },
  );
  await e.dispose();
  const d = rows[0].length,
    X = new Float32Array(items.length * d);
  rows.forEach((v, i) => X.set(v, i * d));
  mkdirSync(join('.tmp', 'probe-features'), { recursive: true });
  writeFileSync(file, Buffer.from(X.buffer));
  console.log(`embedded ${items.length} images in ${((performance.now() - t0) / 1000).toFixed(0)} s (d = ${d})`);
  return { X, d };
}

const all = [...ds.pool, ...ds.test];
const F = await features(all);
const d = F.d;
const rowOf = new Map(all.map((it, i) => [it, i]));
const testX = new Float32Array(ds.test.length * d);
ds.test.forEach((it, i) => testX.set(F.X.subarray(rowOf.get(it)! * d, (rowOf.get(it)! + 1) * d), i * d));

function accuracy(m: LogRegModel, cols: number[]): number {
  const P = predictProba(m, testX, ds.test.length);
  let ok = 0;
  for (let i = 0; i < ds.test.length; i++) {
    let b = 0;
    for (let c = 1; c < m.C; c++) if (P[i * m.C + c] > P[i * m.C + b]) b = c;
    if (cols[b] === ds.test[i].label) ok++;
  }
  return ok / ds.test.length;
}

function run(variant: string, repeat: number): number[] {
  const items = poolCsv(ds.pool, 'shuffled', seed * 1000 + repeat).items; // image id = position + 1
  const n = items.length,
    ids = Array.from({ length: n }, (_, i) => i + 1);
  const X = new Float32Array(n * d);
  items.forEach((it, i) => X.set(F.X.subarray(rowOf.get(it)! * d, (rowOf.get(it)! + 1) * d), i * d));
  const labels = new Map<number, number>(); // image id → class
  const rand = mulberry32(seed * 1_000_003 + repeat * 7_919 + variant.length);
  const randomOrder = shuffled(ids, mulberry32(seed * 31 + repeat));
  const cover = /^cover(\d+)$/.exec(variant),
    tc = /^tc(\d+)$/.exec(variant);
  let head: LogRegModel | null = null,
    cols: number[] = [],
    version = 0;
  let lists: Record<string, number[]> = {};
  const free = (list: number[] | undefined) => list?.find((id) => !labels.has(id)) ?? null;
  const sequential = () => ids.find((id) => !labels.has(id)) ?? null;
  const ask = (): number | null => {
    const v = variant === 'mix' ? (rand() < 0.2 ? 'random' : 'uncertain') : variant;
    if (v === 'sequential') return sequential();
    if (v === 'random') return randomOrder.find((id) => !labels.has(id)) ?? null;
    return free(lists[v === 'typical' ? 'typical' : 'uncertain']) ?? sequential(); // typiclust: uncertain with more clusters
  };
  const refit = () => {
    // the model's classes: those with a label, in class order (the UI's), warm-started when they extend the last
    const used = [...new Set(labels.values())].sort((a, b) => a - b);
    const train = [...labels].filter(([id]) => !isVal(id));
    if (used.length >= 2 && new Set(train.map(([, y]) => y)).size >= 2) {
      const Xt = new Float32Array(train.length * d);
      train.forEach(([id], k) => Xt.set(X.subarray((id - 1) * d, id * d), k * d));
      const y = Int32Array.from(train.map(([, c]) => used.indexOf(c)));
      const warm = head && cols.length <= used.length && cols.every((c, i) => used[i] === c) ? head : null;
      head = fitLogReg(Xt, y, train.length, d, used.length, { warm, seed: 0 }).model;
      cols = used;
      version++;
    } else {
      head = null;
      cols = [];
    }
    const counts = cols.map((c) => [...labels.values()].filter((y) => y === c).length);
    // sequential and random read no list: skip the work
    if (variant === 'sequential' || variant === 'random') return;
    lists = computeSuggestions({
      ids,
      probs: head ? predictProba(head, X, n) : null,
      C: head ? cols.length : C,
      classIds: head ? cols : ds.classNames.map((_, i) => i),
      features: X,
      d,
      labelledIds: labels.keys(),
      labelCounts: head ? counts : ds.classNames.map(() => 0),
      limit: 200,
      seed: version,
      // typiclust: as many clusters as labels + 1 (TypiClust's rule; k ≤ 50), so the cold start goes on to ~50 labels
      classCount: C,
      coldGrows: variant === 'typiclust' || !!tc,
      classCover: cover ? Number(cover[1]) : 0,
      ...(tc ? { maxClusters: Number(tc[1]) } : {}),
    });
  };
  refit();
  const curve: number[] = [];
  let cur = ask();
  for (let t = 1; t <= budget && cur !== null; t++) {
    labels.set(cur, items[cur - 1].label);
    const next = ask();
    refit();
    cur = next;
    if (t % every === 0) curve.push(head ? accuracy(head, cols) : 0);
  }
  return curve;
}

const xs = Array.from({ length: Math.floor(budget / every) }, (_, k) => (k + 1) * every);
const curves: Record<string, number[][]> = {};
const out = cli.out ?? '';
// --merge a.json,b.json: the summary of runs made in several processes (one per core)
const merge = cli.merge ?? '';
if (merge) for (const f of merge.split(',')) Object.assign(curves, JSON.parse(readFileSync(f, 'utf8')).curves);
const t0 = performance.now();
for (const v of merge ? [] : variants) {
  curves[v] = [];
  for (let r = 1; r <= repeats; r++) {
    curves[v].push(run(v, r));
    if (out) writeFileSync(out, JSON.stringify({ data: ds.name, budget, every, repeats, seed, xs, curves }));
  }
  console.log(`${v}: ${repeats} runs, ${((performance.now() - t0) / 1000).toFixed(0)} s so far`);
}
if (merge) variants.splice(0, variants.length, ...Object.keys(curves));
const mean = (v: string) => xs.map((_, k) => curves[v].reduce((s, c) => s + c[k], 0) / curves[v].length);
const final = Math.max(...variants.map((v) => mean(v).at(-1)!));
const cross = (c: number[], target: number) => {
  const k = c.findIndex((a) => a >= target);
  return k < 0 ? null : xs[k];
};
console.log(
  `\n${ds.name}: ${ds.pool.length} pool / ${ds.test.length} test, ${C} classes, budget ${budget}, ${repeats} repeats; final (best final mean) ${final.toFixed(3)}`,
);
for (const q of [0.9, 0.95]) {
  console.log(
    `labels to ${q * 100} % of it (${(q * final).toFixed(3)}): mean curve, ratio to sequential; per repeat (ratio per repeat)`,
  );
  const seqMean = curves.sequential ? cross(mean('sequential'), q * final) : null;
  for (const v of variants) {
    const m = cross(mean(v), q * final);
    const per = curves[v].map((c) => cross(c, q * final));
    const ratios = per
      .map((x, r) => {
        const s = cross(curves.sequential?.[r] ?? [], q * final);
        return x !== null && s ? x / s : null;
      })
      .filter((x): x is number => x !== null);
    const mr = ratios.length ? ratios.reduce((a, b) => a + b) / ratios.length : null;
    console.log(
      `  ${v.padEnd(11)} ${String(m ?? '>').padStart(4)}  ${m && seqMean ? (m / seqMean).toFixed(2) : '–'}×   per repeat ${per.map((x) => x ?? '>').join(', ')}  (${mr?.toFixed(2) ?? '–'} mean of ${ratios.length})   final ${mean(v).at(-1)!.toFixed(3)}  min ${Math.min(...curves[v].map((c) => c.at(-1)!)).toFixed(3)}`,
    );
  }
}
