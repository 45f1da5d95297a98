// One button per class with its key (keys follow the class order), the label given and the prediction.
import { For } from 'solid-js';
import type { Class } from '../types.ts';

export function ClassButtons(props: {
  classes: Class[];
  hint: (k: Class) => string;
  selected: number | null;
  predicted?: number | null;
  onPick: (k: Class) => void;
  title?: string;
}) {
  return (
    <div class="class-buttons" data-testid="class-buttons">
      <For
        each={props.classes}
        fallback={
          <p class="muted small">
            No classes yet — press <kbd>c</kbd> to add some.
          </p>
        }
      >
        {(k) => (
          <button
            class="class-button"
            classList={{ selected: props.selected === k.id, predicted: props.predicted === k.id }}
            style={{ '--c': k.color }}
            title={props.title}
            onClick={() => props.onPick(k)}
          >
            {props.hint(k) ? <kbd>{props.hint(k)}</kbd> : <span class="kbd-space" />}
            <span class="swatch" />
            <span class="name">{k.name}</span>
          </button>
        )}
      </For>
    </div>
  );
}
