// simulate reports where each strategy's picks came from, so a model strategy that is partly sequential in
// disguise shows it (scripts/simulate/picks.ts).
import { describe, expect, it } from 'vitest';
import { pickKind, pickShares, picksMarkdown } from '../scripts/simulate/picks.ts';
import type { RunResult } from '../scripts/simulate/run.ts';

const run = (reasons: Record<string, number>) => ({ reasons } as unknown as RunResult);

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
      uncertain: [run({ uncertain: 90, 'uncertain: val': 8, 'uncertain: fallback to sequential (no list from the trainer yet)': 2 }), run({ uncertain: 100 })],
      sequential: [run({ sequential: 50 })],
    });
    expect(shares[0]).toEqual({ strategy: 'uncertain', picks: 200, own: 190, predictions: 0, val: 8, random: 0, fallback: 2, fallbackShare: 0.01 });
    expect(shares[1].fallbackShare).toBe(0);
    expect(picksMarkdown(shares).join('\n')).toContain('| uncertain | 200 | 95.0 % | 0.0 % | 4.0 % | 0.0 % | **1.0 %** |');
  });
});
