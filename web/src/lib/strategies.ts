// Which next-image strategies can be used now, and why not. Pure.
import { STRATEGIES, type Strategy } from '../types.ts';

export const STRATEGY_LABEL: Record<Strategy, string> = {
  sequential: 'sequential', random: 'random', class: 'by class', minority: 'minority frontier', uncertain: 'uncertain', diverse: 'diverse', typical: 'typical (cold start)',
};

export interface StrategyState { id: Strategy; label: string; enabled: boolean; why?: string }

/**
 * Everything but sequential and random picks from the model's output (by class = most likely class X).
 * With the trainer offline that output is from a model nobody serves any more: those are off (and the
 * server falls back to sequential) until it is back.
 */
export function strategyStates(o: { trainerOnline: boolean; published: string[]; classCount: number }): StrategyState[] {
  return STRATEGIES.map((id) => {
    const label = STRATEGY_LABEL[id];
    if (id === 'sequential' || id === 'random') return { id, label, enabled: true };
    if (!o.trainerOnline) return { id, label, enabled: false, why: 'trainer offline' };
    if (id === 'class') return o.classCount ? { id, label, enabled: true } : { id, label, enabled: false, why: 'add a class first' };
    if (o.published.includes(id)) return { id, label, enabled: true };
    return { id, label, enabled: false, why: "waiting for the trainer's first model" };
  });
}

/** Cycle to the next (or previous) enabled strategy. */
export function cycleStrategy(states: StrategyState[], current: Strategy, dir: 1 | -1): Strategy {
  const on = states.filter((s) => s.enabled || s.id === current);
  if (!on.length) return current;
  const i = on.findIndex((s) => s.id === current);
  const next = on[(i + dir + on.length) % on.length];
  // the current one stays in the ring only to be stepped past when it is off
  return next.enabled ? next.id : on.find((s) => s.enabled)?.id ?? current;
}

/** What "next" really does: the chosen strategy, or sequential and why when it is off. */
export function effectiveStrategy(states: StrategyState[], chosen: Strategy): { id: Strategy; note: string | null } {
  const s = states.find((x) => x.id === chosen);
  if (!s || s.enabled) return { id: chosen, note: null };
  return { id: 'sequential', note: `${s.label}: ${s.why}` };
}
