// Which image comes next. Strategies that can't run say why (e.g. "trainer offline"). The options are the
// server's registry (rebuilt only when its list of names changes) and each says whether it is selected,
// so the select shows the chosen strategy whatever happens around it (trainer frames, moves, class edits).
import { For, Show, createMemo } from 'solid-js';
import { useApp } from '../context.ts';
import type { Strategy } from '../types.ts';

export function StrategySelect(props: { reason?: string }) {
  const { session, keys, strategy } = useApp();
  const state = (id: Strategy) => strategy.states().find((s) => s.id === id) ?? { id, label: id, enabled: false };
  // the names only: a new trainer frame changes states, not which options exist
  const names = createMemo(() => strategy.states().map((s) => s.id), undefined, {
    equals: (a, b) => a.join() === b.join(),
  });
  return (
    <div class="strategy" data-testid="strategy-select">
      <h3>Next image</h3>
      <select
        aria-label="next-image strategy"
        data-testid="strategy-choice"
        onChange={(e) => {
          const v = e.currentTarget.value as Strategy;
          e.currentTarget.value = strategy.chosen(); // "by class" changes only once a class is picked
          strategy.choose(v);
        }}
      >
        <For each={names()}>
          {(id) => (
            <option value={id} selected={strategy.chosen() === id} disabled={!state(id).enabled}>
              {state(id).label}
              {state(id).why ? ` — ${state(id).why}` : ''}
            </option>
          )}
        </For>
      </select>
      <Show when={strategy.needsClass(strategy.chosen())}>
        <select
          aria-label="class to look for"
          data-testid="strategy-class"
          onChange={(e) => strategy.pickClass(Number(e.currentTarget.value))}
        >
          <option value="" disabled selected={!strategy.chosenClass()}>
            pick a class…
          </option>
          <For each={session.classes()}>
            {(k) => (
              <option value={k.id} selected={strategy.chosenClass()?.id === k.id}>
                {k.name}
              </option>
            )}
          </For>
        </select>
      </Show>
      <Show when={strategy.effective().note}>
        <p class="warn small" data-testid="strategy-note">
          {strategy.effective().note}: sequential for now.
        </p>
      </Show>
      <p class="muted small">
        <kbd>{keys.hint('global.strategyNext')}</kbd> cycles
        {props.reason && props.reason !== strategy.effective().id ? ` · ${props.reason}` : ''}
      </p>
    </div>
  );
}
