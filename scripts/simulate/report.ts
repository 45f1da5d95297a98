// Curves per strategy (mean and spread over repeats), the headline (labels to reach 90 % of the final
// accuracy, ratio to sequential) and the markdown table.
import type { Point, RunResult } from './run.ts';

export interface CurvePoint {
  labels: number;
  strokes: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  std: number | null;
  n: number;
  live: number | null;
  val: number | null;
  latencyP50: number | null;
  /** mean over repeats of the same labels fitted from scratch (warm-start diagnostic) */
  cold: number | null;
}
export interface StrategyHeadline {
  /** labels (segmentation: strokes) where the mean curve first reaches the target; null = not within the budget */
  needed: number | null;
  /** the same per repeat */
  perRepeat: (number | null)[];
  /** needed / sequential's needed, both on the mean curve */
  ratioToSequential: number | null;
  /** per repeat: this strategy's crossing over sequential's in the same repeat (the same pool order);
   *  null where either did not reach the target within the budget */
  ratioPerRepeat: (number | null)[];
  /** mean, std and range of the per-repeat ratios that exist (the spread over repeats) */
  ratioMean: number | null;
  ratioStd: number | null;
  ratioMin: number | null;
  ratioMax: number | null;
  final: number | null;
  finalMin: number | null;
  finalMax: number | null;
  /** the final labels fitted from scratch: far above `final` = the warm-started live head lags */
  finalCold: number | null;
  live: number | null;
  latencyP50: number | null;
  latencyP95: number | null;
}
export interface Headline {
  fraction: number;
  /** the best final mean over strategies: "the final accuracy" every strategy is measured against */
  reference: number | null;
  /** the strategy whose final mean is the reference, and how much its mean curve still rose over the last
   *  fifth of the budget (from `plateauFrom` on): near 0 = the budget reached the plateau */
  referenceStrategy: string | null;
  plateauGain: number | null;
  plateauFrom: number | null;
  target: number | null;
  x: 'labels' | 'strokes';
  perStrategy: Record<string, StrategyHeadline>;
  goal: { ratio: number; strategies: string[]; met: boolean; best: { strategy: string; ratio: number } | null };
}

/** The issue's goal: the best strategy that chooses on purpose needs at most this share of sequential's labels. */
export const GOAL_RATIO = 0.6;
/** the fractions of the final accuracy the headline reports */
export const FRACTIONS = [0.9, 0.95];
/** baselines: not candidates for the goal */
const BASELINES = new Set(['sequential', 'random']);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((v) => (v - m) ** 2)));
};

export function aggregate(runs: RunResult[]): CurvePoint[] {
  const by = new Map<number, Point[]>();
  for (const r of runs) for (const p of r.points) by.set(p.labels, [...(by.get(p.labels) ?? []), p]);
  const avg = (ps: Point[], k: 'live' | 'val' | 'latencyP50' | 'metricCold') => {
    const xs = ps.map((p) => p[k]).filter((x): x is number => x !== null);
    return xs.length ? mean(xs) : null;
  };
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([labels, ps]) => {
      const ms = ps.map((p) => p.metric);
      // a repeat without a model yet makes the mean meaningless: leave the point out of the curve
      const ok = ms.every((m) => m !== null) ? (ms as number[]) : [];
      const m = ok.length ? mean(ok) : null;
      return {
        labels,
        strokes: mean(ps.map((p) => p.strokes)),
        n: ok.length,
        mean: m,
        min: ok.length ? Math.min(...ok) : null,
        max: ok.length ? Math.max(...ok) : null,
        std: ok.length ? std(ok) : null,
        live: avg(ps, 'live'),
        val: avg(ps, 'val'),
        latencyP50: avg(ps, 'latencyP50'),
        cold: avg(ps, 'metricCold'),
      };
    });
}

/** First x where y reaches the target, linearly interpolated between evaluation points, rounded up. */
export function crossing(xs: number[], ys: (number | null)[], target: number): number | null {
  for (let i = 0; i < xs.length; i++) {
    const y = ys[i];
    if (y === null || y < target) continue;
    const j = i - 1;
    const y0 = j >= 0 ? ys[j] : null;
    if (y0 === null || y0 === undefined) return Math.ceil(xs[i]);
    return Math.ceil(xs[j] + ((target - y0) / (y - y0)) * (xs[i] - xs[j]));
  }
  return null;
}

export function headline(
  curves: Record<string, CurvePoint[]>,
  runs: Record<string, RunResult[]>,
  x: 'labels' | 'strokes',
  fraction = 0.9,
): Headline {
  const finals = Object.fromEntries(Object.entries(curves).map(([s, c]) => [s, c.length ? c[c.length - 1] : null]));
  let reference: number | null = null,
    referenceStrategy: string | null = null;
  for (const [s, p] of Object.entries(finals))
    if (typeof p?.mean === 'number' && (reference === null || p.mean > reference)) {
      reference = p.mean;
      referenceStrategy = s;
    }
  const target = reference === null ? null : fraction * reference;
  // how far from a plateau: the reference curve's rise over the last fifth of the budget
  let plateauGain: number | null = null,
    plateauFrom: number | null = null;
  if (referenceStrategy) {
    const c = curves[referenceStrategy].filter((p) => p.mean !== null),
      last = c[c.length - 1];
    const xOf = (p: CurvePoint) => (x === 'labels' ? p.labels : p.strokes);
    const from = c.filter((p) => xOf(p) <= 0.8 * xOf(last)).pop();
    if (from && from !== last) {
      plateauGain = last.mean! - from.mean!;
      plateauFrom = xOf(from);
    }
  }
  const perStrategy: Record<string, StrategyHeadline> = {};
  for (const [s, c] of Object.entries(curves)) {
    const xs = c.map((p) => (x === 'labels' ? p.labels : p.strokes));
    const perRepeat = runs[s].map((r) =>
      target === null
        ? null
        : crossing(
            r.points.map((p) => (x === 'labels' ? p.labels : p.strokes)),
            r.points.map((p) => p.metric),
            target,
          ),
    );
    const lat = runs[s].flatMap((r) => [r.latencyMs.p50, r.latencyMs.p95]);
    const p50s = lat.filter((_, i) => i % 2 === 0).filter((v): v is number => v !== null);
    const p95s = lat.filter((_, i) => i % 2 === 1).filter((v): v is number => v !== null);
    const f = finals[s];
    perStrategy[s] = {
      needed:
        target === null
          ? null
          : crossing(
              xs,
              c.map((p) => p.mean),
              target,
            ),
      perRepeat,
      ratioToSequential: null,
      ratioPerRepeat: [],
      ratioMean: null,
      ratioStd: null,
      ratioMin: null,
      ratioMax: null,
      final: f?.mean ?? null,
      finalMin: f?.min ?? null,
      finalMax: f?.max ?? null,
      finalCold: f?.cold ?? null,
      live: f?.live ?? null,
      latencyP50: p50s.length ? mean(p50s) : null,
      latencyP95: p95s.length ? mean(p95s) : null,
    };
  }
  const seqH = perStrategy.sequential;
  const seq = seqH?.needed ?? null;
  // repeats are paired by their number: repeat r of every strategy starts from the same shuffled pool
  const seqOf = new Map<number, number | null>(
    (runs.sequential ?? []).map((r, i) => [r.repeat, seqH?.perRepeat[i] ?? null]),
  );
  for (const [s, h] of Object.entries(perStrategy)) {
    h.ratioToSequential = seq && h.needed !== null ? h.needed / seq : null;
    h.ratioPerRepeat = runs[s].map((r, i) => {
      const a = h.perRepeat[i],
        b = seqOf.get(r.repeat) ?? null;
      return a !== null && b ? a / b : null;
    });
    const rs = h.ratioPerRepeat.filter((v): v is number => v !== null);
    if (rs.length) {
      h.ratioMean = mean(rs);
      h.ratioStd = std(rs);
      h.ratioMin = Math.min(...rs);
      h.ratioMax = Math.max(...rs);
    }
  }
  const goalStrategies = Object.keys(perStrategy).filter((s) => !BASELINES.has(s));
  const ratios = goalStrategies
    .map((s) => ({ strategy: s, ratio: perStrategy[s].ratioToSequential }))
    .filter((r): r is { strategy: string; ratio: number } => r.ratio !== null);
  const best = ratios.length ? ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a)) : null;
  return {
    fraction,
    reference,
    referenceStrategy,
    plateauGain,
    plateauFrom,
    target,
    x,
    perStrategy,
    goal: { ratio: GOAL_RATIO, strategies: goalStrategies, met: !!best && best.ratio <= GOAL_RATIO, best },
  };
}

export interface MdInput {
  title: string;
  dataset: string;
  metricName: string;
  machine: string;
  options: string;
  seconds: number;
  /** one headline per fraction (FRACTIONS: 90 % first, then 95 %) */
  curves: Record<string, CurvePoint[]>;
  heads: Headline[];
  ceiling: number | null;
  ceilingLabel: string;
  notes: string[];
}

const f2 = (v: number | null) => (v === null ? '–' : v.toFixed(2));
/** "0.55 ± 0.04 (0.50–0.60)" of the per-repeat ratios, or "–" */
export const ratioSpread = (h: StrategyHeadline) =>
  h.ratioMean === null ? '–' : `${f2(h.ratioMean)} ± ${f2(h.ratioStd)} (${f2(h.ratioMin)}–${f2(h.ratioMax)})`;

export function markdown(m: MdInput): string {
  const f3 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));
  const ms = (v: number | null) => (v === null ? '–' : `${v.toFixed(0)}`);
  const h = m.heads[0],
    unit = h.x,
    pc = (x: Headline) => `${Math.round(x.fraction * 100)} %`;
  const lines = [
    `# ${m.title}`,
    '',
    `${m.dataset}. ${m.machine}. ${m.options}. Total ${(m.seconds / 60).toFixed(1)} min.`,
    '',
    `## Headline: ${unit} needed to reach ${m.heads.map(pc).join(' and ')} of the final ${m.metricName}`,
    '',
    h.target === null
      ? 'No strategy produced a model: nothing to compare.'
      : `Final ${m.metricName}: ${f3(h.reference)}, the best final mean of any strategy at the budget (${h.referenceStrategy}); targets ${m.heads.map((x) => `${f3(x.target)} (${pc(x)})`).join(', ')}.` +
        (h.plateauGain === null
          ? ''
          : ` Plateau check: ${h.referenceStrategy}'s mean curve rose ${h.plateauGain >= 0 ? '+' : ''}${f3(h.plateauGain)} over the last fifth of the budget (from ${h.plateauFrom} ${unit}).`),
    '',
    `"Mean curve": where the mean over repeats crosses the target. "Per repeat": each repeat's own crossing (> = not within the budget). Ratio per repeat: the strategy's crossing over sequential's in the same repeat (the same pool order), mean ± std (min–max) over the repeats where both crossed.`,
    '',
    `| strategy | ${m.heads.map((x) => `${unit} to ${pc(x)} (mean curve) | per repeat | ratio to sequential | ratio per repeat`).join(' | ')} | final ${m.metricName} (min–max) | same labels, cold refit | live accuracy | label→prediction p50 / p95 ms |`,
    `|---|${m.heads.map(() => '---:|---|---:|---|').join('')}---|---:|---:|---:|`,
  ];
  for (const s of Object.keys(h.perStrategy)) {
    const cells = m.heads.map((hh) => {
      const x = hh.perStrategy[s];
      return `${x.needed ?? '> budget'} | ${x.perRepeat.map((v) => v ?? '>').join(', ')} | ${f2(x.ratioToSequential)} | ${ratioSpread(x)}`;
    });
    const x = h.perStrategy[s];
    lines.push(
      `| ${s} | ${cells.join(' | ')} | ${f3(x.final)} (${f3(x.finalMin)}–${f3(x.finalMax)}) | ${f3(x.finalCold)} | ${f3(x.live)} | ${ms(x.latencyP50)} / ${ms(x.latencyP95)} |`,
    );
  }
  lines.push(
    '',
    h.goal.best
      ? `Goal (${unit} to ${pc(h)} ≤ ${h.goal.ratio}× sequential's, for ${h.goal.strategies.join(', ')}): **${h.goal.met ? 'MET' : 'SHORT'}** — best ${h.goal.best.strategy} at ${h.goal.best.ratio.toFixed(2)}× on the mean curve.`
      : `Goal (${unit} to ${pc(h)} ≤ ${h.goal.ratio}× sequential's): not measurable in this run (sequential or every other strategy did not reach the target within the budget).`,
  );
  if (m.ceiling !== null) lines.push('', `Ceiling: ${f3(m.ceiling)} ${m.metricName} for ${m.ceilingLabel}.`);
  const strategies = Object.keys(m.curves);
  const rows = new Set<number>();
  for (const s of strategies) for (const p of m.curves[s]) rows.add(p.labels);
  lines.push(
    '',
    `## Curves: mean test ${m.metricName} (± std over repeats)`,
    '',
    `| labels | ${unit === 'strokes' ? 'strokes | ' : ''}${strategies.join(' | ')} |`,
    `|---:|${unit === 'strokes' ? '---:|' : ''}${strategies.map(() => '---:').join('|')}|`,
  );
  for (const labels of [...rows].sort((a, b) => a - b)) {
    const cells = strategies.map((s) => {
      const p = m.curves[s].find((q) => q.labels === labels);
      return p && p.mean !== null ? `${p.mean.toFixed(3)}${p.n > 1 ? ` ± ${p.std!.toFixed(3)}` : ''}` : '–';
    });
    const strokes = strategies
      .map((s) => m.curves[s].find((q) => q.labels === labels)?.strokes)
      .filter((v): v is number => v !== undefined);
    lines.push(`| ${labels} | ${unit === 'strokes' ? `${mean(strokes).toFixed(0)} | ` : ''}${cells.join(' | ')} |`);
  }
  if (m.notes.length) lines.push('', '## How this was measured', '', ...m.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
