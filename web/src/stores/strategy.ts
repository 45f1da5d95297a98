// The next-image strategy as the UI uses it: which ones can run now, what "next" really asks the
// server for, and choosing one. Choosing "by class" always asks which class (by key, see
// class-prompt.tsx), so it is never selected without one.
import { createMemo, createSignal } from 'solid-js';
import { cycleStrategy, effectiveStrategy, strategyStates, STRATEGY_LABEL } from '../lib/strategies.ts';
import type { Prefs } from './prefs.ts';
import type { SessionStore } from './session.ts';
import type { NextPick } from './navigator.ts';
import type { Strategy } from '../types.ts';

export function createStrategy(d: { prefs: Prefs; session: SessionStore }) {
  const { prefs, session } = d;
  const states = createMemo(() => strategyStates({
    trainerOnline: session.trainer().online, published: session.info()?.strategies ?? [], classCount: session.classes().length,
  }));
  /** the class prompt is open (the strategy changes only once a class is picked) */
  const [asking, setAsking] = createSignal(false);
  const chosenClass = () => session.classes().find((k) => k.id === prefs.strategyClass()) ?? null;

  /** What next really is: a strategy that is off, or by class without a class, runs as sequential. */
  const effective = createMemo((): { id: Strategy; note: string | null } => {
    const e = effectiveStrategy(states(), prefs.strategy());
    if (e.id === 'class' && !chosenClass()) return { id: 'sequential', note: 'by class: no class chosen' };
    return e;
  });

  function choose(s: Strategy) {
    if (s === 'class') { setAsking(true); return; }
    setAsking(false);
    prefs.setStrategy(s);
  }

  return {
    states, effective, asking, chosenClass, choose,
    cycle(dir: 1 | -1) { choose(cycleStrategy(states(), prefs.strategy(), dir)); },
    /** from the class prompt: `n` goes on past by class */
    skipClass(dir: 1 | -1) { setAsking(false); choose(cycleStrategy(states(), 'class', dir)); },
    pickClass(id: number) {
      prefs.setStrategyClass(id);
      prefs.setStrategy('class');
      setAsking(false);
    },
    cancel() { setAsking(false); },
    pick: (): NextPick => {
      const e = effective();
      return e.id === 'class' ? { strategy: 'class', class: chosenClass()!.id } : { strategy: e.id };
    },
    /** "uncertain", "by class: cat", "sequential (uncertain needs the trainer (offline))" */
    text(): string {
      const e = effective();
      if (e.note) return `sequential (${e.note})`;
      return e.id === 'class' ? `by class: ${chosenClass()!.name}` : STRATEGY_LABEL[e.id];
    },
  };
}
export type StrategyStore = ReturnType<typeof createStrategy>;
