// "By class" needs a class: this asks for it by key (0–9 as in labelling, Enter keeps the current
// one, n / Shift+N go on to the next strategy, Esc keeps the strategy you had).
import { For, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { classByDigit, digitOf } from '../keys/class-keys.ts';

export function ClassPrompt() {
  const { session, keys, strategy } = useApp();
  const classes = () => session.classes();
  const pickDigit = (d: number) => () => {
    const k = classByDigit(classes(), d);
    if (k) strategy.pickClass(k.id);
  };
  keys.use(
    'pickClass',
    {
      ...Object.fromEntries(Array.from({ length: 10 }, (_, d) => [`class${d}`, pickDigit(d)])),
      keep: () => {
        const k = strategy.chosenClass();
        if (k) strategy.pickClass(k.id);
      },
      skip: () => strategy.skipClass(1),
      skipBack: () => strategy.skipClass(-1),
    },
    () => strategy.cancel(),
  );
  return (
    <div
      class="modal-backdrop top"
      onClick={(e) => {
        if (e.target === e.currentTarget) strategy.cancel();
      }}
    >
      <div class="modal" role="dialog" aria-label="Next image by class" data-testid="class-prompt">
        <h2>Next image by class: which class?</h2>
        <p class="muted small">The next images are the ones the model thinks most likely to be this class.</p>
        <ol class="class-list">
          <For
            each={classes()}
            fallback={
              <li class="muted">
                No classes yet: add some first (<kbd>c</kbd>).
              </li>
            }
          >
            {(k) => (
              <li
                classList={{ selected: strategy.chosenClass()?.id === k.id }}
                onClick={() => strategy.pickClass(k.id)}
                data-testid="class-prompt-row"
              >
                <kbd>
                  {digitOf(classes(), k.id) === null ? '' : keys.hint(`pickClass.class${digitOf(classes(), k.id)}`)}
                </kbd>
                <span class="swatch" style={{ background: k.color }} />
                <span class="name">{k.name}</span>
              </li>
            )}
          </For>
        </ol>
        <p class="muted small">
          <Show when={strategy.chosenClass()}>
            <kbd>Enter</kbd> keeps {strategy.chosenClass()!.name} ·{' '}
          </Show>
          <kbd>{keys.hint('pickClass.skip')}</kbd> next strategy · <kbd>Esc</kbd> keep {strategy.text()}
        </p>
      </div>
    </div>
  );
}
