// The segmentation report's few-label curve: per strategy, the test mIoU of the refined maps (what Enter
// accepts) after 2, 5 and 10 labelled scenes, divided by the patch-grid oracle on the same test scenes (the
// true masks voted to the grid, the better of nearest and bilinear upsampling). Mean over repeats.
import type { RunResult } from './run.ts';
import { FEW_LABELS } from './seg-metrics.ts';

export interface FewLabelRow {
  strategy: string;
  oracle: number;
  /** per label count: mean refined mIoU over the repeats that reached it, and its ratio to the oracle */
  at: { labelled: number; miou: number | null; ratio: number | null; runs: number }[];
}

export function fewLabelTable(runs: Record<string, RunResult[]>): { rows: FewLabelRow[]; md: string } {
  const rows: FewLabelRow[] = [];
  for (const [strategy, rs] of Object.entries(runs)) {
    const oracles = rs.map((r) => r.upsampling?.oracle.miou).filter((v): v is number => v != null);
    if (!oracles.length) continue;
    const oracle = oracles.reduce((a, b) => a + b, 0) / oracles.length;
    const at = FEW_LABELS.map((k) => {
      const vs = rs.map((r) => r.points.find((p) => p.labels === k)?.metric).filter((v): v is number => v != null);
      const miou = vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
      return { labelled: k, miou, ratio: miou === null ? null : miou / oracle, runs: vs.length };
    });
    rows.push({ strategy, oracle, at });
  }
  const f = (v: number | null, d = 3) => (v === null ? '–' : v.toFixed(d));
  const md = rows.length
    ? [
        '',
        '## Few labelled scenes: accepted mask ÷ patch-grid oracle',
        '',
        `Test mIoU of the refined maps (what Enter accepts) after ${FEW_LABELS.join(', ')} labelled scenes, and its ratio to the patch-grid oracle (mean over repeats).`,
        '',
        `| strategy | oracle | ${FEW_LABELS.map((k) => `${k} labelled`).join(' | ')} |`,
        `|---|---:|${FEW_LABELS.map(() => '---:').join('|')}|`,
        ...rows.map(
          (r) =>
            `| ${r.strategy} | ${f(r.oracle)} | ${r.at.map((a) => `${f(a.miou)} (${f(a.ratio, 2)}×)`).join(' | ')} |`,
        ),
        '',
      ].join('\n')
    : '';
  return { rows, md };
}
