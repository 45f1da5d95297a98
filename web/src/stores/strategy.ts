// The next-image strategy as the UI uses it: which ones can run now, what "next" really asks the
// server for, and choosing one. Choosing "by class" always asks which class (by key, see
// class-prompt.tsx), so it is never selected without one.
import { createMemo, createSignal } from 'solid-js';
import { api } from '../api.ts';
import { cycleStrategy, effectiveStrategy, strategyStates } from '../lib/strategies.ts';
import type { Prefs } from './prefs.ts';
import type { SessionStore } from './session.ts';
import type { NextPick } from './navigator.ts';
import type { Strategy, Task } from '../types.ts';
import type { StrategyInfo } from '../api-types.ts';

export function createStrategy(d: { prefs: Prefs; session: SessionStore }) {
  const { prefs, session } = d;
  /** the server's registry (GET /api/strategies), fetched once; retried until it comes */
  const [registry, setRegistry] = createSignal<StrategyInfo[]>([]);
  /** what a session starts with per task, until this browser picks one (the server measured the winner) */
  const [defaults, setDefaults] = createSignal<Partial<Record<Task, Strategy>>>({});
  const load = (wait = 500) =>
    api.strategies().then(
      (r) => {
        setRegistry(r.strategies);
        setDefaults(r.defaults ?? {});
      },
      () => setTimeout(() => load(Math.min(wait * 2, 10_000)), wait),
    );
  /** the strategy chosen in this browser, else the session task's default, else sequential */
  const chosen = (): Strategy => {
    const p = prefs.strategy();
    if (p !== null) return p;
    const t = session.info()?.task;
    return (t && defaults()[t]) || 'sequential';
  };
  void load();
  const states = createMemo(() =>
    strategyStates({
      registry: registry(),
      task: session.info()?.task,
      trainerOnline: session.trainer().online,
      published: session.info()?.strategies ?? [],
      classCount: session.classes().length,
    }),
  );
  const needsClass = (s: Strategy) => registry().find((x) => x.name === s)?.needs === 'class';
  const label = (s: Strategy) => registry().find((x) => x.name === s)?.label ?? s;
  /** the class prompt is open (the strategy changes only once a class is picked) */
  const [asking, setAsking] = createSignal(false);
  const chosenClass = () => session.classes().find((k) => k.id === prefs.strategyClass()) ?? null;

  /** What next really is: a strategy that is off, or by class without a class, runs as sequential. */
  const effective = createMemo((): { id: Strategy; note: string | null } => {
    const e = effectiveStrategy(states(), chosen());
    if (needsClass(e.id) && !chosenClass()) return { id: 'sequential', note: `${label(e.id)}: no class chosen` };
    return e;
  });

  /** the strategy the class prompt is for (the registry's one that needs a class) */
  let askingFor: Strategy = 'class';
  function choose(s: Strategy) {
    if (needsClass(s)) {
      askingFor = s;
      setAsking(true);
      return;
    }
    setAsking(false);
    prefs.setStrategy(s);
  }

  return {
    states,
    effective,
    asking,
    chosenClass,
    choose,
    label,
    chosen,
    cycle(dir: 1 | -1) {
      choose(cycleStrategy(states(), chosen(), dir));
    },
    /** from the class prompt: `n` goes on past by class */
    skipClass(dir: 1 | -1) {
      setAsking(false);
      choose(cycleStrategy(states(), askingFor, dir));
    },
    pickClass(id: number) {
      prefs.setStrategyClass(id);
      prefs.setStrategy(askingFor);
      setAsking(false);
    },
    cancel() {
      setAsking(false);
    },
    pick: (): NextPick => {
      const e = effective();
      return needsClass(e.id) ? { strategy: e.id, class: chosenClass()!.id } : { strategy: e.id };
    },
    /** the strategy's label needs the class prompt */
    needsClass,
    /** "uncertain", "by class: cat", "sequential (uncertain needs the trainer (offline))" */
    text(): string {
      const e = effective();
      if (e.note) return `sequential (${e.note})`;
      return needsClass(e.id) ? `${label(e.id)}: ${chosenClass()!.name}` : label(e.id);
    },
  };
}
export type StrategyStore = ReturnType<typeof createStrategy>;
