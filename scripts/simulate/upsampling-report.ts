// The segmentation report's "patch grid to full resolution" table: per strategy, the final head's maps
// taken to full resolution by nearest, bilinear and refined upsampling, against the patch-grid oracle
// (mean over repeats of full-resolution mIoU and boundary F at 2 px).
import type { Score } from './evaluate-seg.ts';
import type { RunResult } from './run.ts';

const KINDS = ['nearest', 'bilinear', 'refined', 'oracle', 'accepted'] as const;
export type UpsamplingRow = { strategy: string; runs: number } & Record<(typeof KINDS)[number], Score>;

export function upsamplingTable(runs: Record<string, RunResult[]>): { rows: UpsamplingRow[]; md: string } {
  const rows: UpsamplingRow[] = [];
  for (const [strategy, rs] of Object.entries(runs)) {
    const us = rs.map((r) => r.upsampling).filter((u): u is NonNullable<RunResult['upsampling']> => !!u);
    if (!us.length) continue;
    const avg = (k: (typeof KINDS)[number]): Score => {
      // runs merged from an earlier part may predate a column
      const got = us.map((u) => u[k]).filter((s): s is Score => !!s);
      return {
        miou: got.reduce((a, s) => a + s.miou, 0) / got.length,
        boundaryF: got.reduce((a, s) => a + s.boundaryF, 0) / got.length,
      };
    };
    rows.push({
      strategy,
      runs: us.length,
      nearest: avg('nearest'),
      bilinear: avg('bilinear'),
      refined: avg('refined'),
      oracle: avg('oracle'),
      accepted: avg('accepted'),
    });
  }
  const f = (v: number) => v.toFixed(3);
  const md = rows.length
    ? [
        '',
        '## From the patch grid to full resolution (the final heads)',
        '',
        'Full-resolution mIoU (boundary F, 2 px) of the same predicted maps upsampled three ways, of the patch-grid oracle (the true masks voted to the grid, the better of nearest and bilinear upsampling): the best any patch classifier could do without looking at the image, and of the accepted masks (refined, each shape region named by the crop head where it has labels: what Enter accepts and the curve shows).',
        '',
        '| strategy | nearest | bilinear | refined | oracle | accepted | accepted − oracle |',
        '|---|---:|---:|---:|---:|---:|---:|',
        ...rows.map(
          (r) =>
            `| ${r.strategy} | ${KINDS.map((k) => `${f(r[k].miou)} (${f(r[k].boundaryF)})`).join(' | ')} | ${(r.accepted.miou - r.oracle.miou >= 0 ? '+' : '') + f(r.accepted.miou - r.oracle.miou)} |`,
        ),
        '',
      ].join('\n')
    : '';
  return { rows, md };
}
