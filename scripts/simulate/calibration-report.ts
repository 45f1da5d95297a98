// Calibration in a simulate report: the mean test ECE (expected calibration error of the shown top-class
// probability, 10 bins) of each strategy's live head, at every evaluation point.
import type { RunResult } from './run.ts';

/** per strategy: [calibrated, raw] mean test ECE (null: no model at that point in any repeat) */
export interface EceRow {
  labels: number;
  perStrategy: Record<string, [number, number] | null>;
}

export function eceRows(runs: Record<string, RunResult[]>): EceRow[] {
  const at = new Map<number, Record<string, [number, number][]>>();
  for (const [s, rs] of Object.entries(runs))
    for (const r of rs)
      for (const p of r.points) {
        if (p.ece === undefined || p.ece === null) continue;
        const row = at.get(p.labels) ?? at.set(p.labels, {}).get(p.labels)!;
        (row[s] ??= []).push([p.ece, p.eceRaw ?? NaN]);
      }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return [...at.keys()]
    .sort((a, b) => a - b)
    .map((labels) => ({
      labels,
      perStrategy: Object.fromEntries(
        Object.keys(runs).map((s) => {
          const v = at.get(labels)![s];
          return [s, v?.length ? ([mean(v.map((x) => x[0])), mean(v.map((x) => x[1]))] as [number, number]) : null];
        }),
      ),
    }));
}

export function eceMarkdown(rows: EceRow[]): string[] {
  if (!rows.length) return [];
  const strategies = Object.keys(rows[0].perStrategy);
  return [
    '',
    '## Calibration: mean test ECE of the shown probabilities',
    '',
    'Expected calibration error of the top-class probability the app shows (temperature-scaled head), 10 equal-width bins, on the held-out test images; mean over repeats; in brackets the same head before temperature scaling. 0 = a prediction shown at 70 % is right 70 % of the time.',
    '',
    `| labels | ${strategies.join(' | ')} |`,
    `|---:|${strategies.map(() => '---:').join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${r.labels} | ${strategies
          .map((s) => {
            const v = r.perStrategy[s];
            return v === null ? '–' : `${v[0].toFixed(3)} (${Number.isFinite(v[1]) ? v[1].toFixed(3) : '–'})`;
          })
          .join(' | ')} |`,
    ),
  ];
}
