// Which image comes next. Strategies that can't run say why (e.g. "needs the trainer").
import { For, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { strategyStates } from '../lib/strategies.ts';
import type { Strategy } from '../types.ts';

export function StrategySelect(props: { reason?: string }) {
  const { prefs, session, keys } = useApp();
  const states = () => strategyStates({ trainerOnline: session.trainer().online, published: session.info()?.strategies ?? [], classCount: session.classes().length });
  const current = () => states().find((s) => s.id === prefs.strategy());
  return (
    <div class="strategy" data-testid="strategy-select">
      <h3>Next image</h3>
      <select value={prefs.strategy()} aria-label="next-image strategy" onChange={(e) => prefs.setStrategy(e.currentTarget.value as Strategy)}>
        <For each={states()}>{(s) => <option value={s.id} disabled={!s.enabled}>{s.label}{s.why ? ` — ${s.why}` : ''}</option>}</For>
      </select>
      <Show when={prefs.strategy() === 'class'}>
        <select value={prefs.strategyClass() ?? ''} aria-label="class to look for" onChange={(e) => prefs.setStrategyClass(Number(e.currentTarget.value))}>
          <option value="" disabled>pick a class…</option>
          <For each={session.classes()}>{(k) => <option value={k.id}>{k.name}</option>}</For>
        </select>
      </Show>
      <Show when={current() && !current()!.enabled}><p class="warn small">{current()!.why}: the server falls back to sequential.</p></Show>
      <p class="muted small"><kbd>{keys.hint('global.strategyNext')}</kbd> cycles{props.reason && props.reason !== prefs.strategy() ? ` · ${props.reason}` : ''}</p>
    </div>
  );
}
