// simulate reports where each strategy's picks came from, so a model strategy that is partly sequential in
// disguise shows it (scripts/simulate/picks.ts).
import { describe, expect, it } from 'vitest';
import { pickKind, pickShares, picksMarkdown } from '../scripts/simulate/picks.ts';
import type { RunResult } from '../scripts/simulate/run.ts';
import { eceMarkdown, eceRows } from '../scripts/simulate/calibration-report.ts';

const run = (reasons: Record<string, number>) => ({ reasons }) as unknown as RunResult;

describe('simulate: where the picks came from', () => {
  it('names each reason of GET /api/next by its kind', () => {
    expect(pickKind('uncertain', 'uncertain')).toBe('own');
    expect(pickKind('uncertain', 'uncertain: by the latest predictions')).toBe('predictions');
    expect(pickKind('uncertain', 'uncertain: val')).toBe('val');
    expect(pickKind('uncertain', 'uncertain: fallback to typical (its list is used up)')).toBe('fallback');
    expect(pickKind('typical', 'typical: fallback to sequential (no list from the trainer yet)')).toBe('fallback');
    // the wording of older servers still counts as a fallback
    expect(pickKind('typical', 'typical: suggestions used up, sequential until the next refit')).toBe('fallback');
    expect(pickKind('mix', 'random')).toBe('random');
    expect(pickKind('sequential', 'sequential')).toBe('own');
    expect(pickKind('random', 'random')).toBe('own');
  });

  it('adds up the repeats and gives the fallback share per strategy', () => {
    const shares = pickShares({
      uncertain: [
        run({
          uncertain: 90,
          'uncertain: val': 8,
          'uncertain: fallback to sequential (no list from the trainer yet)': 2,
        }),
        run({ uncertain: 100 }),
      ],
      sequential: [run({ sequential: 50 })],
    });
    expect(shares[0]).toEqual({
      strategy: 'uncertain',
      picks: 200,
      own: 190,
      predictions: 0,
      val: 8,
      random: 0,
      fallback: 2,
      fallbackShare: 0.01,
    });
    expect(shares[1].fallbackShare).toBe(0);
    expect(picksMarkdown(shares).join('\n')).toContain(
      '| uncertain | 200 | 95.0 % | 0.0 % | 4.0 % | 0.0 % | **1.0 %** |',
    );
  });

  it('calibration: the mean test ECE per strategy and label count, with the head before temperature scaling beside it', () => {
    const pts = (e: number, raw: number) =>
      ({
        points: [
          { labels: 10, ece: null },
          { labels: 20, ece: e, eceRaw: raw },
        ],
      }) as unknown as RunResult;
    const rows = eceRows({ uncertain: [pts(0.1, 0.3), pts(0.2, 0.5)], sequential: [pts(0.05, 0.05)] });
    expect(rows.map((r) => r.labels)).toEqual([20]);
    expect(rows[0].perStrategy.uncertain![0]).toBeCloseTo(0.15, 9);
    expect(rows[0].perStrategy.uncertain![1]).toBeCloseTo(0.4, 9);
    expect(eceMarkdown(rows).at(-1)).toBe('| 20 | 0.150 (0.400) | 0.050 (0.050) |');
  });
});
