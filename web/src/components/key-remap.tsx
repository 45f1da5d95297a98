// Every action with its keys: add a key (press it), remove one, restore defaults. Conflicts are
// listed next to the action. Stored per browser (localStorage).
import { For, Show, createEffect, createSignal, on } from 'solid-js';
import { useApp } from '../context.ts';
import { ACTIONS, ACTION_BY_ID, SCOPES } from '../keys/actions.ts';
import { display, eventToBinding, findConflicts, remap } from '../keys/keymap.ts';
import { mac } from '../keys/bind.ts';

export function KeyRemap() {
  const { keys } = useApp();
  const [sel, setSel] = createSignal(0);
  const [recording, setRecording] = createSignal<string | null>(null);
  const conflicts = () => {
    const by = new Map<string, string[]>();
    for (const c of findConflicts(keys.keymap(), ACTIONS, mac)) {
      const [a, b] = c.actions;
      by.set(a, [...(by.get(a) ?? []), `${display(c.key, mac)} also ${ACTION_BY_ID[b].label.toLowerCase()}`]);
      by.set(b, [...(by.get(b) ?? []), `${display(c.key, mac)} also ${ACTION_BY_ID[a].label.toLowerCase()}`]);
    }
    return by;
  };
  const set = (id: string, list: string[]) => keys.setOverrides(remap(keys.overrides(), id, list));
  const record = (id: string) => {
    setRecording(id);
    keys.capture((e) => {
      keys.capture(null);
      setRecording(null);
      if (e.key === 'Escape') return;
      const b = eventToBinding(e);
      if (b) set(id, [...(keys.keymap()[id] ?? []), b]);
    });
  };
  const restore = (id: string) => set(id, ACTION_BY_ID[id].keys);
  const removeLast = (id: string) => {
    const list = keys.keymap()[id] ?? [];
    if (list.length) set(id, list.slice(0, -1));
  };
  keys.use('settings', {
    up: () => setSel((i) => Math.max(0, i - 1)),
    down: () => setSel((i) => Math.min(ACTIONS.length - 1, i + 1)),
    remap: () => record(ACTIONS[sel()].id),
    removeKey: () => removeLast(ACTIONS[sel()].id),
    restore: () => restore(ACTIONS[sel()].id),
  });
  let table!: HTMLTableElement;
  // the selected row stays in view while ↑↓ walk the list
  createEffect(
    on(
      sel,
      (i) => {
        table.querySelector(`tr[data-action="${ACTIONS[i].id}"]`)?.scrollIntoView({ block: 'nearest' });
      },
      { defer: true },
    ),
  );

  return (
    <section class="card">
      <div class="row">
        <h2>Keys</h2>
        <span class="spacer" />
        <button onClick={() => keys.setOverrides({})} disabled={!Object.keys(keys.overrides()).length}>
          Restore all defaults
        </button>
      </div>
      <p class="muted small">
        <kbd>↑</kbd>
        <kbd>↓</kbd> select · <kbd>{keys.hint('settings.remap')}</kbd> add a key (then press it, <kbd>Esc</kbd> cancels)
        ·<kbd>{keys.hint('settings.removeKey')}</kbd> remove the last key · <kbd>{keys.hint('settings.restore')}</kbd>{' '}
        restore the defaults ·<kbd>PgDn</kbd> <kbd>End</kbd> scroll. Stored in this browser.
      </p>
      <table class="remap" data-testid="key-remap" ref={table}>
        <tbody>
          <For each={ACTIONS}>
            {(a, i) => (
              <>
                <Show when={i() === 0 || ACTIONS[i() - 1].scope !== a.scope}>
                  <tr class="scope-row">
                    <th colSpan={3}>{SCOPES[a.scope].label}</th>
                  </tr>
                </Show>
                <tr
                  classList={{ selected: sel() === i(), changed: !!keys.overrides()[a.id] }}
                  onClick={() => setSel(i())}
                  data-action={a.id}
                >
                  <td>{a.label}</td>
                  <td class="keys-cell">
                    <For each={keys.keymap()[a.id]}>
                      {(k) => (
                        <span class="key-chip">
                          <kbd>{display(k, mac)}</kbd>
                          <button
                            class="ghost tiny"
                            title="Remove this key"
                            onClick={() =>
                              set(
                                a.id,
                                keys.keymap()[a.id].filter((x) => x !== k),
                              )
                            }
                          >
                            ×
                          </button>
                        </span>
                      )}
                    </For>
                    <button class="ghost tiny" onClick={() => record(a.id)}>
                      {recording() === a.id ? 'press a key…' : '+ key'}
                    </button>
                    <Show when={keys.overrides()[a.id]}>
                      <button class="ghost tiny" onClick={() => restore(a.id)}>
                        default
                      </button>
                    </Show>
                  </td>
                  <td class="warn small">{(conflicts().get(a.id) ?? []).join('; ')}</td>
                </tr>
              </>
            )}
          </For>
        </tbody>
      </table>
    </section>
  );
}
