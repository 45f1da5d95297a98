// `hilt simulate` flags: their declaration (commander, which makes --help), checks and defaults (full /
// --quick, per task).
import { availableParallelism } from 'node:os';
import { Command, CommanderError } from 'commander';
import { dirname, resolve } from 'node:path';

export const ALL_STRATEGIES = ['sequential', 'random', 'uncertain', 'diverse', 'minority', 'typical', 'mix'] as const;
export type SimStrategy = (typeof ALL_STRATEGIES)[number];
export type SimTask = 'classification' | 'segmentation';

export interface SimOptions {
  task: SimTask;
  /** a dataset with known labels: class-folders, a CSV (path,label) or a COCO JSON (segmentation) */
  data: string | null;
  format: 'auto' | 'class-folders' | 'csv' | 'coco';
  /** write this many MNIST digits and use them (classification; the default source) */
  mnist: number | null;
  /** generated scenes with exact masks (segmentation; the default source) */
  scenes: number;
  sceneSize: [number, number];
  /** coloured: a colour family per class (learnable from patch features); demo: scripts/make-demo.ts scenes */
  sceneStyle: 'coloured' | 'plain' | 'textured' | 'demo';
  strategies: SimStrategy[];
  budget: number;
  every: number;
  repeats: number;
  /** run repeats firstRepeat..repeats only (the rest of a measurement that was stopped; merge the runs) */
  firstRepeat: number;
  seed: number;
  testFraction: number;
  /** share of random picks in the `mix` strategy (the rest is `uncertain`) */
  mixRandom: number;
  /** `shuffled`: the pool is imported in a random order per repeat, so `sequential` is a fair baseline */
  order: 'shuffled' | 'as-is';
  out: string;
  work: string | null;
  keep: boolean;
  quick: boolean;
  backbone: string;
  resolution: number;
  debounceMs: number;
  /** longest wait for one refit (ms) before the step is counted as timed out */
  timeoutMs: number;
  /** segmentation painter: most strokes per region */
  strokes: number;
  /** classification: share of the annotator's answers flipped to another class (scores the review list) */
  noise: number;
  /** runs at a time (worker processes; 1 = all in this process) */
  parallel: number;
  quiet: boolean;
  /** re-render this simulate.json (its curves, headlines, table and plot) instead of running anything */
  report: string | null;
}

/**
 * Every `hilt simulate` option, declared once: `hilt simulate` (server/cli.ts), `npx tsx scripts/simulate.ts`
 * and parseSimArgs all build their command with this, and --help is commander's from it. Values are checked,
 * and their task- and --quick-dependent defaults applied, in simOptionsFrom below.
 */
export function simulateCommand(c: Command = new Command('hilt simulate')): Command {
  return c
    .summary(
      'how many labels would my dataset need with each strategy? A simulated annotator labels a known dataset through a real server + trainer',
    )
    .description(
      `How many labels would my dataset need with each strategy? A simulated annotator labels a dataset whose answers you already know through a real hilt server and trainer, exactly as the browser does: it asks /api/next with each strategy, looks at the prediction shown, answers with the true label (segmentation: paints a few strokes per region, kept away from the boundaries, from the true mask), and after every k labels measures the current model on a held-out test set the sessions never see. The result is a curve of accuracy (mIoU) vs labels (strokes) per strategy, and the headline: labels needed to reach 90 % of the final accuracy with each strategy, and its ratio to sequential labelling.`,
    )
    .optionsGroup('Data (one of):')
    .option('--mnist [N]', 'N handwritten digits from the mnist package (default 2000; the default source)')
    .option(
      '--data <path>',
      'your labelled data: class-folders (root/<class>/*.jpg), a CSV (path,label), or a COCO JSON with segmentation (--task segmentation)',
    )
    .option('--format <f>', 'auto | class-folders | csv | coco (default auto)')
    .option(
      '--task <t>',
      'classification | segmentation (default classification); segmentation without --data: generated scenes with exact masks',
    )
    .option('--scenes <N>', 'number of generated scenes (default 200)')
    .option('--scene-size <WxH>', 'size of the generated scenes (default 320x240; quick 160x120)')
    .option(
      '--scene-style <s>',
      'coloured: 1-3 shapes, a colour family per class (default); plain / textured: 1-3 shapes in random colours on a flat / striped, checkered or noisy background (the class is the outline); demo: the demo data (one shape, random colours: needs a real backbone)',
    )
    .optionsGroup('Simulation:')
    .option(
      '--strategies <list>',
      `comma-separated: ${ALL_STRATEGIES.join(',')} (mix = uncertain with 20 % random; typical = the cold start, then coverage; default all, for segmentation too: uncertain = highest mean patch uncertainty, diverse = k-center on mean patch features, minority = most likely to contain the least-labelled class)`,
    )
    .option('--budget <n>', 'labels (images) per run (default 200; segmentation 30)')
    .option('--every <k>', 'evaluate every k labels (default 10; segmentation 2)')
    .option('--repeats <n>', 'runs per strategy, each with its own image order (default 3)')
    .option(
      '--first-repeat <n>',
      "run only repeats n..--repeats (each repeat's order depends on the seed and its number, so the runs can be merged with an earlier part) (default 1)",
    )
    .option('--seed <n>', 'seed for the data, the split and the orders (default 1)')
    .option('--test-fraction <f>', 'held-out share, never imported into a session (default 0.2)')
    .option('--order <o>', 'shuffled | as-is: pool order (sequential = this order) (default shuffled)')
    .option('--mix-random <f>', 'random share of the mix strategy (default 0.2)')
    .option('--strokes <n>', 'segmentation: at most n strokes per region (default 2)')
    .option(
      '--noise <f>',
      'classification: flip this share of the answers to another class, then score the likely-label-error list (precision and recall at k = the number flipped; e.g. 0.1) (default 0)',
    )
    .option('--backbone <name>', 'trainer backbone (default mobilenetv2-imagenet)')
    .option('--resolution <px>', 'classification input size; segmentation uses 2x (default 224)')
    .option('--debounce <ms>', "the trainer's refit debounce (default 100)")
    .option('--timeout <ms>', 'longest wait for one refit (default 30000)')
    .option('--parallel <n>', 'runs at a time, one process each (default: CPU cores, at most 4; quick 1)')
    .optionsGroup('Output:')
    .option('--out <dir>', 'where simulate.json / .md / .svg go (default bench/results/simulate-<date>)')
    .option('--work <dir>', 'scratch folder for sessions and features (default a temp folder, removed)')
    .option('--keep', 'keep the scratch folder')
    .option('--quick', 'tiny settings (CI smoke): small pool, budget 20, 2 strategies, 1 repeat')
    .option('--quiet', 'no progress lines')
    .option(
      '--report <simulate.json>',
      "run nothing: re-render a measurement's table, plot and headlines from its runs (into --out, default the file's folder)",
    )
    .addHelpText(
      'after',
      `
Examples:
  npx hilt simulate                                        MNIST, 6 strategies x 3 repeats (~17 min on 2 cores)
  npx hilt simulate --data ~/pets --budget 300 --strategies sequential,uncertain,mix
  npx hilt simulate --task segmentation --strategies sequential,uncertain --repeats 2

Absolute numbers depend on the backbone: the default mobilenetv2-imagenet has real ImageNet features and
needs no model hub; --backbone dinov3-vits16 (after \`hilt fetch-model dinov3-vits16\`) is what the app uses by
default; --backbone tiny (random weights) only shows how the loop and the strategies behave.`,
    );
}

/** The --help text (what `hilt simulate --help` prints). */
export const USAGE = (() => {
  let out = '';
  const c = simulateCommand().configureOutput({
    writeOut: (s) => void (out += s),
    getOutHelpWidth: () => 110,
  });
  c.outputHelp();
  return out.trimEnd();
})();

export class UsageError extends Error {}

/** `hilt simulate`'s options from an argument list (no program name): 'help' for --help; UsageError names the flag. */
export function parseSimArgs(argv: string[]): SimOptions | 'help' {
  const c = simulateCommand()
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    c.parse(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return 'help';
    const flag = /'(-[^' ]+)/.exec(e.message)?.[1];
    if (e.code === 'commander.optionMissingArgument' && flag) throw new UsageError(`${flag} needs a value`);
    throw new UsageError(e.message.replace(/^error: /, '').replace(/'(-[^']*)'/g, '$1'));
  }
  return simOptionsFrom(c);
}

const today = () => new Date().toISOString().slice(0, 10);

/** The options of a parsed command (simulateCommand), checked, with their defaults; throws UsageError. */
export function simOptionsFrom(c: Command): SimOptions {
  // by long flag name, as typed: a string, or true for a flag (and a bare --mnist)
  const v: Record<string, string | true> = {};
  for (const opt of c.options) {
    const val = c.getOptionValue(opt.attributeName()) as string | boolean | undefined;
    if (val !== undefined && val !== false) v[opt.long!.slice(2)] = val;
  }
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const num = (k: string, def: number, opt: { int?: boolean; min?: number; max?: number } = {}) => {
    const int = opt.int ?? true,
      min = opt.min ?? (int ? 1 : 0),
      max = opt.max ?? Infinity;
    const s = str(k);
    if (s === undefined) return def;
    const n = Number(s);
    if (!Number.isFinite(n) || (int && !Number.isInteger(n)) || n < min || n > max)
      throw new UsageError(`--${k} must be ${int ? 'an integer' : 'a number'} in [${min}, ${max}], got "${s}"`);
    return n;
  };
  const quick = v.quick === true;
  const task = (str('task') ?? 'classification') as SimTask;
  if (task !== 'classification' && task !== 'segmentation')
    throw new UsageError(`--task must be classification or segmentation`);
  const seg = task === 'segmentation';
  const format = (str('format') ?? 'auto') as SimOptions['format'];
  if (!['auto', 'class-folders', 'csv', 'coco'].includes(format))
    throw new UsageError(`--format must be auto, class-folders, csv or coco`);
  const data = str('data') ? resolve(str('data')!) : null;
  if (v.data === true) throw new UsageError('--data needs a path');
  if (data && v.mnist !== undefined) throw new UsageError('use --data or --mnist, not both');
  if (seg && v.mnist !== undefined)
    throw new UsageError('--mnist is classification data; segmentation uses --data <coco.json> or generated scenes');
  const mnist =
    data || seg
      ? null
      : v.mnist === undefined || v.mnist === true
        ? quick
          ? 200
          : 2000
        : num('mnist', 2000, { max: 8630 });
  const defStrategies = quick ? 'sequential,uncertain' : ALL_STRATEGIES.join(',');
  const strategies = (str('strategies') ?? defStrategies)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of strategies)
    if (!(ALL_STRATEGIES as readonly string[]).includes(s))
      throw new UsageError(`unknown strategy "${s}" (one of ${ALL_STRATEGIES.join(', ')})`);
  if (!strategies.length) throw new UsageError('--strategies is empty');
  const order = (str('order') ?? 'shuffled') as SimOptions['order'];
  if (order !== 'shuffled' && order !== 'as-is') throw new UsageError('--order must be shuffled or as-is');
  const size = (str('scene-size') ?? (quick ? '160x120' : '320x240')).split('x').map(Number) as [number, number];
  if (size.length !== 2 || size.some((n) => !Number.isInteger(n) || n < 32))
    throw new UsageError('--scene-size must look like 320x240');
  const sceneStyle = (str('scene-style') ?? 'coloured') as SimOptions['sceneStyle'];
  if (!['coloured', 'plain', 'textured', 'demo'].includes(sceneStyle))
    throw new UsageError('--scene-style must be coloured, plain, textured or demo');
  const budget = num('budget', seg ? (quick ? 6 : 30) : quick ? 20 : 200);
  const noise = num('noise', 0, { int: false, min: 0, max: 0.5 });
  if (num('first-repeat', 1, { max: 100 }) > num('repeats', quick ? 1 : 3, { max: 100 }))
    throw new UsageError('--first-repeat must be at most --repeats');
  if (seg && noise > 0) throw new UsageError('--noise flips class labels: classification only');
  return {
    task,
    data,
    format,
    mnist,
    scenes: num('scenes', quick ? 30 : 200, { min: 4 }),
    sceneSize: size,
    sceneStyle,
    strategies: [...new Set(strategies)] as SimStrategy[],
    budget,
    every: Math.min(budget, num('every', seg ? 2 : quick ? 5 : 10)),
    repeats: num('repeats', quick ? 1 : 3, { max: 100 }),
    firstRepeat: num('first-repeat', 1, { max: 100 }),
    seed: num('seed', 1, { min: 0 }),
    testFraction: num('test-fraction', 0.2, { int: false, min: 0.01, max: 0.9 }),
    mixRandom: num('mix-random', 0.2, { int: false, min: 0, max: 1 }),
    order,
    out: resolve(
      str('out') ??
        (str('report')
          ? dirname(resolve(str('report')!))
          : `bench/results/simulate-${today()}${seg ? '-segmentation' : ''}`),
    ),
    report: str('report') ? resolve(str('report')!) : null,
    work: str('work') ? resolve(str('work')!) : null,
    keep: v.keep === true,
    quick,
    quiet: v.quiet === true,
    // learning is measured on real pretrained features; tiny only when asked (machinery)
    backbone: str('backbone') ?? 'mobilenetv2-imagenet',
    // segmentation side = 2 × resolution: 448 gives a 28-wide grid at stride 16 (MobileNetV2's tokens, DINOv3)
    resolution: num('resolution', 224, { min: 16, max: 2048 }),
    debounceMs: num('debounce', 100, { min: 0 }),
    timeoutMs: num('timeout', 30_000, { min: 100 }),
    strokes: num('strokes', 2, { max: 10 }),
    noise,
    parallel: num('parallel', quick ? 1 : Math.max(1, Math.min(4, availableParallelism())), { max: 64 }),
  };
}
