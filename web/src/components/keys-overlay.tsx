// `?`: every action and its keys, grouped by where they work; class keys only for the session's classes,
// by name. Remap them in settings.
import { For } from 'solid-js';
import { useApp } from '../context.ts';
import { ACTIONS, SCOPES, display, mac } from '../keys/bind.ts';
import type { Scope } from '../keys/actions.ts';
import { classByDigit } from '../keys/class-keys.ts';

export function KeysOverlay(props: { onClose: () => void }) {
  const { keys, session } = useApp();
  keys.use('help', { close: props.onClose }, props.onClose);
  const scopes = Object.keys(SCOPES) as Scope[];
  return (
    <div
      class="modal-backdrop"
      onClick={(e) => {
        if (e.target === e.currentTarget) props.onClose();
      }}
    >
      <div class="modal wide" role="dialog" aria-label="Keyboard shortcuts" data-testid="keys-overlay">
        <div class="modal-head">
          <h2>Keys</h2>
          <span class="muted small">
            Keys work everywhere except while typing in a text field. Remap them in{' '}
            <a href="/settings" onClick={props.onClose}>
              settings
            </a>
            .
          </span>
          <button class="ghost" onClick={props.onClose}>
            Close <kbd>Esc</kbd>
          </button>
        </div>
        <div class="keys-grid">
          <For each={scopes}>
            {(scope) => (
              <section>
                <h3>{SCOPES[scope].label}</h3>
                <table class="keys-table">
                  <tbody>
                    <For
                      each={ACTIONS.filter(
                        (a) =>
                          a.scope === scope &&
                          (a.classDigit === undefined || classByDigit(session.classes(), a.classDigit)),
                      )}
                    >
                      {(a) => (
                        <tr>
                          <td>
                            {a.classDigit !== undefined && a.classLabel
                              ? a.classLabel(classByDigit(session.classes(), a.classDigit)!.name)
                              : a.label}
                          </td>
                          <td class="keys-cell">
                            <For each={keys.keymap()[a.id]}>{(k) => <kbd>{display(k, mac)}</kbd>}</For>
                          </td>
                        </tr>
                      )}
                    </For>
                    {scope === 'global' ? (
                      <>
                        <tr>
                          <td>Close a dialog, cancel, leave a text field</td>
                          <td class="keys-cell">
                            <kbd>Esc</kbd>
                          </td>
                        </tr>
                        <tr>
                          <td>Scroll the page or this list (keys no action uses)</td>
                          <td class="keys-cell">
                            <kbd>PgDn</kbd>
                            <kbd>PgUp</kbd>
                            <kbd>Home</kbd>
                            <kbd>End</kbd>
                            <kbd>↓</kbd>
                            <kbd>Space</kbd>
                          </td>
                        </tr>
                      </>
                    ) : null}
                  </tbody>
                </table>
              </section>
            )}
          </For>
        </div>
      </div>
    </div>
  );
}
