// The segmentation report's "patch grid to full resolution" table: per strategy, the final head's maps
// taken to full resolution by nearest, bilinear and refined upsampling, against the patch-grid oracle
// (mean over repeats of full-resolution mIoU and boundary F at 2 px).
import type { Score } from './evaluate-seg.ts';
import type { RunResult } from './run.ts';

const KINDS = ['nearest', 'bilinear', 'refined', 'oracle'] as const;
export type UpsamplingRow = { strategy: string; runs: number } & Record<(typeof KINDS)[number], Score>;

export function upsamplingTable(runs: Record<string, RunResult[]>): { rows: UpsamplingRow[]; md: string } {
  const rows: UpsamplingRow[] = [];
  for (const [strategy, rs] of Object.entries(runs)) {
    const us = rs.map((r) => r.upsampling).filter((u): u is NonNullable<RunResult['upsampling']> => !!u);
    if (!us.length) continue;
    const avg = (k: (typeof KINDS)[number]): Score => ({
      miou: us.reduce((a, u) => a + u[k].miou, 0) / us.length,
      boundaryF: us.reduce((a, u) => a + u[k].boundaryF, 0) / us.length,
    });
    rows.push({
      strategy,
      runs: us.length,
      nearest: avg('nearest'),
      bilinear: avg('bilinear'),
      refined: avg('refined'),
      oracle: avg('oracle'),
    });
  }
  const f = (v: number) => v.toFixed(3);
  const md = rows.length
    ? [
        '',
        '## From the patch grid to full resolution (the final heads)',
        '',
        'Full-resolution mIoU (boundary F, 2 px) of the same predicted maps upsampled three ways, and of the patch-grid oracle (the true masks voted to the grid, the better of nearest and bilinear upsampling): the best any patch classifier could do without looking at the image.',
        '',
        '| strategy | nearest | bilinear | refined | oracle | refined − oracle |',
        '|---|---:|---:|---:|---:|---:|',
        ...rows.map(
          (r) =>
            `| ${r.strategy} | ${KINDS.map((k) => `${f(r[k].miou)} (${f(r[k].boundaryF)})`).join(' | ')} | ${(r.refined.miou - r.oracle.miou >= 0 ? '+' : '') + f(r.refined.miou - r.oracle.miou)} |`,
        ),
        '',
      ].join('\n')
    : '';
  return { rows, md };
}
