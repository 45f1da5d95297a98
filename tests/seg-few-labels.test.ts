// simulate's few-label table: the refined test mIoU at exactly 2, 5 and 10 labels ÷ the oracle, over repeats.
import { describe, expect, it } from 'vitest';
import { fewLabelTable } from '../scripts/simulate/few-label-report.ts';
import type { RunResult } from '../scripts/simulate/run.ts';

const score = (miou: number) => ({ miou, boundaryF: 0 });
function run(repeat: number, metrics: Record<number, number>, oracle: number): RunResult {
  return {
    strategy: 'sequential',
    repeat,
    points: Object.entries(metrics).map(([labels, metric]) => ({ labels: Number(labels), metric })),
    upsampling: {
      nearest: score(0),
      bilinear: score(0),
      refined: score(0),
      oracle: score(oracle),
    },
  } as unknown as RunResult;
}

describe('fewLabelTable', () => {
  it('averages the metric at 2, 5 and 10 labels over repeats and divides by the oracle', () => {
    const { rows, md } = fewLabelTable({
      sequential: [run(0, { 2: 0.2, 4: 0.9, 5: 0.4, 10: 0.6 }, 0.8), run(1, { 2: 0.4, 5: 0.6 }, 0.8)],
    });
    expect(rows).toHaveLength(1);
    const [r] = rows;
    expect(r.oracle).toBeCloseTo(0.8);
    expect(r.at.map((a) => a.labelled)).toEqual([2, 5, 10]);
    expect(r.at[0].miou).toBeCloseTo(0.3);
    expect(r.at[1].ratio).toBeCloseTo(0.5 / 0.8);
    expect(r.at[2]).toMatchObject({ runs: 1, miou: 0.6 });
    expect(md).toContain('| sequential | 0.800 | 0.300 (0.38×) | 0.500 (0.63×) | 0.600 (0.75×) |');
  });
});
