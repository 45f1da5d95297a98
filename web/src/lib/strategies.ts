// Which next-image strategies can be used now, and why not. Pure.
import { STRATEGIES, type Strategy } from '../types.ts';

export const STRATEGY_LABEL: Record<Strategy, string> = {
  sequential: 'sequential', random: 'random', class: 'by class', minority: 'minority frontier', uncertain: 'uncertain', diverse: 'diverse',
};

export interface StrategyState { id: Strategy; label: string; enabled: boolean; why?: string }

export function strategyStates(o: { trainerOnline: boolean; published: string[]; classCount: number }): StrategyState[] {
  return STRATEGIES.map((id) => {
    const label = STRATEGY_LABEL[id];
    if (id === 'sequential' || id === 'random') return { id, label, enabled: true };
    if (id === 'class') return o.classCount ? { id, label, enabled: true } : { id, label, enabled: false, why: 'add a class first' };
    if (o.published.includes(id)) return { id, label, enabled: true };
    return { id, label, enabled: false, why: o.trainerOnline ? "waiting for the trainer's first model" : 'needs the trainer' };
  });
}

/** Cycle to the next (or previous) enabled strategy. */
export function cycleStrategy(states: StrategyState[], current: Strategy, dir: 1 | -1): Strategy {
  const on = states.filter((s) => s.enabled);
  if (!on.length) return current;
  const i = on.findIndex((s) => s.id === current);
  return on[(i + dir + on.length) % on.length].id;
}
