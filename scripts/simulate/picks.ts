// Where a run's picks came from, by the `reason` GET /api/next gave (server/next.ts): the strategy's own list,
// its continuation from the latest stored predictions, the server's random val-side turns, mix's random turns,
// or a fallback (typical's coverage list or sequential order). A model strategy that falls back often is partly
// another strategy in disguise; the report says how much.
import type { RunResult } from './run.ts';

export interface PickShare {
  strategy: string;
  picks: number;
  own: number;
  predictions: number;
  val: number;
  random: number;
  fallback: number;
  fallbackShare: number | null;
}

/** One reason's kind. `sequential`/`random` asked as such are their own picks. */
export function pickKind(
  strategy: string,
  reason: string,
): keyof Omit<PickShare, 'strategy' | 'picks' | 'fallbackShare'> {
  if (reason.includes('fallback') || (strategy !== 'sequential' && /sequential/.test(reason))) return 'fallback';
  if (reason.endsWith(': by the latest predictions')) return 'predictions';
  if (reason.endsWith(': val')) return 'val';
  if (reason.endsWith(': random') || (reason === 'random' && strategy !== 'random')) return 'random';
  return 'own';
}

export function pickShares(runs: Record<string, RunResult[]>): PickShare[] {
  return Object.entries(runs).map(([strategy, rs]) => {
    const s: PickShare = {
      strategy,
      picks: 0,
      own: 0,
      predictions: 0,
      val: 0,
      random: 0,
      fallback: 0,
      fallbackShare: null,
    };
    for (const r of rs)
      for (const [reason, n] of Object.entries(r.reasons)) {
        s.picks += n;
        s[pickKind(strategy, reason)] += n;
      }
    s.fallbackShare = s.picks ? s.fallback / s.picks : null;
    return s;
  });
}

export function picksMarkdown(shares: PickShare[]): string[] {
  const pc = (v: number, n: number) => (n ? `${((100 * v) / n).toFixed(1)} %` : '–');
  return [
    '',
    '## Where the picks came from',
    '',
    "By the reason GET /api/next gave: the strategy's own list; its continuation from the latest stored predictions when the list was used up; the server's random val-side turns; mix's random turns; a fallback (typical's coverage list or sequential order).",
    '',
    '| strategy | picks | own list | latest predictions | val-side | random | fallback |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...shares.map(
      (s) =>
        `| ${s.strategy} | ${s.picks} | ${pc(s.own, s.picks)} | ${pc(s.predictions, s.picks)} | ${pc(s.val, s.picks)} | ${pc(s.random, s.picks)} | **${pc(s.fallback, s.picks)}** |`,
    ),
  ];
}
