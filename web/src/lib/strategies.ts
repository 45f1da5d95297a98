// Which next-image strategies can be used now, and why not. Pure. The list itself comes from the server's
// registry (GET /api/strategies, server/strategies.ts): a strategy added there shows up here by itself.
import type { Strategy, Task } from '../types.ts';
import type { StrategyInfo } from '../api-types.ts';

export interface StrategyState {
  id: Strategy;
  label: string;
  enabled: boolean;
  why?: string;
  needs?: 'class';
}

/**
 * Strategies that need the trainer pick from the model's output (by class = most likely class X). With the
 * trainer offline that output is from a model nobody serves any more: those are off (and the server falls
 * back to sequential) until it is back. Only the strategies of the session's task are listed.
 */
export function strategyStates(o: {
  registry: StrategyInfo[];
  task?: Task | null;
  trainerOnline: boolean;
  published: string[];
  classCount: number;
}): StrategyState[] {
  return o.registry
    .filter((s) => !o.task || s.tasks.includes(o.task))
    .map((s): StrategyState => {
      const base = { id: s.name, label: s.label, ...(s.needs ? { needs: s.needs } : {}) };
      if (!s.needsTrainer) return { ...base, enabled: true };
      if (!o.trainerOnline) return { ...base, enabled: false, why: 'trainer offline' };
      if (s.needs === 'class')
        return o.classCount ? { ...base, enabled: true } : { ...base, enabled: false, why: 'add a class first' };
      if (o.published.includes(s.name)) return { ...base, enabled: true };
      // the cold-start lists come once the pool is embedded, before any model: wait for a list, not a model
      return { ...base, enabled: false, why: "waiting for the trainer's first list" };
    });
}

/** Cycle to the next (or previous) enabled strategy. */
export function cycleStrategy(states: StrategyState[], current: Strategy, dir: 1 | -1): Strategy {
  const on = states.filter((s) => s.enabled || s.id === current);
  if (!on.length) return current;
  const i = on.findIndex((s) => s.id === current);
  const next = on[(i + dir + on.length) % on.length];
  // the current one stays in the ring only to be stepped past when it is off
  return next.enabled ? next.id : (on.find((s) => s.enabled)?.id ?? current);
}

/** What "next" really does: the chosen strategy, or sequential and why when it is off. */
export function effectiveStrategy(states: StrategyState[], chosen: Strategy): { id: Strategy; note: string | null } {
  const s = states.find((x) => x.id === chosen);
  if (!s || s.enabled) return { id: chosen, note: null };
  return { id: 'sequential', note: `${s.label}: ${s.why}` };
}
