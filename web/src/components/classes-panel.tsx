// Classes: add (validated name + colour), rename, reorder (keys follow the order), remove (with the
// number of annotations that go and a warning that the model resets; confirmed by key).
import { For, Show, createSignal } from 'solid-js';
import { useApp } from '../context.ts';
import { api } from '../api.ts';
import { classNameProblem, nextColor, removalText, type Usage } from '../lib/class-name.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { ClassForm } from './class-form.tsx';
import type { Class } from '../types.ts';
import { WEB_TASK_LIST, webTask } from '../tasks/index.ts';
import { digitOf } from '../keys/class-keys.ts';

type Mode =
  { kind: 'list' } | { kind: 'add' } | { kind: 'rename'; id: number } | { kind: 'remove'; k: Class; usage: Usage };

export function ClassesPanel(props: { onClose: () => void }) {
  const { session, keys, ui } = useApp();
  const [sel, setSel] = createSignal(0);
  const [mode, setMode] = createSignal<Mode>({ kind: 'list' });
  const [error, setError] = createSignal<string | null>(null);
  const classes = () => session.classes();
  const current = () => classes()[Math.min(sel(), classes().length - 1)];
  const task = () => session.info()?.task;
  // the key of the session's task (classification's before one is chosen)
  const keyOf = (i: number) => {
    const d = digitOf(classes(), classes()[i]?.id ?? -1);
    return d === null ? '' : keys.hint((webTask(task()) ?? WEB_TASK_LIST[0]).classAction(d));
  };

  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await session.refresh();
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
  };
  const move = (d: number) => {
    const k = current();
    if (!k) return;
    const to = Math.max(0, Math.min(classes().length - 1, sel() + d));
    if (to === sel()) return;
    void run(() => api.patchClass(k.id, { position: to })).then((ok) => {
      if (ok) setSel(to);
    });
  };
  const askRemove = async (k: Class | undefined) => {
    if (!k) return;
    setError(null);
    try {
      const u = await api.classUsage(k.id);
      setMode({ kind: 'remove', k, usage: u });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = async (k: Class) => {
    setMode({ kind: 'list' });
    if (await run(() => api.deleteClass(k.id))) {
      ui.notify(`Class "${k.name}" removed; the model resets.`);
      setSel((i) => Math.max(0, Math.min(i, classes().length - 1)));
    }
  };

  keys.use(
    'classes',
    {
      up: () => setSel((i) => Math.max(0, i - 1)),
      down: () => setSel((i) => Math.min(classes().length - 1, i + 1)),
      moveUp: () => move(-1),
      moveDown: () => move(1),
      add: () => setMode({ kind: 'add' }),
      rename: () => {
        const k = current();
        if (k) setMode({ kind: 'rename', id: k.id });
      },
      remove: () => void askRemove(current()),
      close: props.onClose,
    },
    () => {
      if (mode().kind === 'list') props.onClose();
      else setMode({ kind: 'list' });
    },
  );

  return (
    <div
      class="modal-backdrop"
      onClick={(e) => {
        if (e.target === e.currentTarget) props.onClose();
      }}
    >
      <div class="modal drawer" role="dialog" aria-label="Classes" data-testid="classes-panel">
        <div class="modal-head">
          <h2>Classes</h2>
          <span class="muted small">
            ↑↓ select · Shift+↑↓ move · <kbd>n</kbd> add · <kbd>r</kbd> rename · <kbd>Del</kbd> remove · <kbd>Esc</kbd>{' '}
            close
          </span>
        </div>
        <ol class="class-list">
          <For each={classes()} fallback={<li class="muted">No classes yet.</li>}>
            {(k, i) => (
              <li classList={{ selected: i() === sel() }} onClick={() => setSel(i())} data-testid="class-row">
                <kbd>{keyOf(i())}</kbd>
                <span class="swatch" style={{ background: k.color }} />
                <Show
                  when={mode().kind === 'rename' && (mode() as { id: number }).id === k.id}
                  fallback={<span class="name">{k.name}</span>}
                >
                  <ClassForm
                    initial={k.name}
                    color={k.color}
                    submit="Rename"
                    problem={(n) => classNameProblem(n, classes(), k.id)}
                    onSubmit={(name, color) =>
                      run(() => api.patchClass(k.id, { name, color })).then((ok) => {
                        if (ok) setMode({ kind: 'list' });
                      })
                    }
                    onCancel={() => setMode({ kind: 'list' })}
                  />
                </Show>
                <span class="spacer" />
                <button
                  class="ghost"
                  title="Move up"
                  onClick={() => {
                    setSel(i());
                    move(-1);
                  }}
                  disabled={i() === 0}
                >
                  ↑
                </button>
                <button
                  class="ghost"
                  title="Move down"
                  onClick={() => {
                    setSel(i());
                    move(1);
                  }}
                  disabled={i() === classes().length - 1}
                >
                  ↓
                </button>
                <button
                  class="ghost"
                  title="Rename (r)"
                  onClick={() => {
                    setSel(i());
                    setMode({ kind: 'rename', id: k.id });
                  }}
                >
                  Rename
                </button>
                <button
                  class="ghost danger-text"
                  title="Remove (Del)"
                  onClick={() => {
                    setSel(i());
                    void askRemove(k);
                  }}
                >
                  Remove
                </button>
              </li>
            )}
          </For>
        </ol>
        <Show
          when={mode().kind === 'add'}
          fallback={
            <button onClick={() => setMode({ kind: 'add' })}>
              Add a class <kbd>n</kbd>
            </button>
          }
        >
          <ClassForm
            initial=""
            color={nextColor(classes().map((k) => k.color))}
            submit="Add"
            problem={(n) => classNameProblem(n, classes())}
            onSubmit={(name, color) =>
              run(() => api.addClass(name, color)).then((ok) => {
                if (ok) {
                  setMode({ kind: 'list' });
                  setSel(classes().length - 1);
                }
              })
            }
            onCancel={() => setMode({ kind: 'list' })}
          />
        </Show>
        <Show when={error()}>
          <p class="inline-error" data-testid="classes-error">
            {error()}
          </p>
        </Show>
        <p class="muted small">
          Keys follow the order: the first class is <kbd>1</kbd>, the second <kbd>2</kbd>…
        </p>
      </div>
      <Show when={mode().kind === 'remove' ? (mode() as Extract<Mode, { kind: 'remove' }>) : null}>
        {(m) => (
          <ConfirmDialog
            title={`Remove the class "${m().k.name}"?`}
            confirm="Remove"
            danger
            onConfirm={() => void remove(m().k)}
            onCancel={() => setMode({ kind: 'list' })}
          >
            <p data-testid="remove-warning">{removalText(m().usage)}</p>
          </ConfirmDialog>
        )}
      </Show>
    </div>
  );
}
