// Name + colour, validated while typing; Enter submits, Esc cancels.
import { Show, createSignal, onMount } from 'solid-js';

export function ClassForm(props: {
  initial: string;
  color: string;
  submit: string;
  problem: (name: string) => string | null;
  onSubmit: (name: string, color: string) => void;
  onCancel: () => void;
}) {
  const [name, setName] = createSignal(props.initial);
  const [color, setColor] = createSignal(props.color);
  const [touched, setTouched] = createSignal(false);
  let input!: HTMLInputElement;
  onMount(() => {
    input.focus();
    input.select();
  });
  const problem = () => props.problem(name());
  return (
    <form
      class="class-form"
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        if (!problem()) {
          input.blur();
          props.onSubmit(name().trim(), color());
        }
      }}
      onClick={(e) => e.stopPropagation()}
    >
      <input
        ref={input}
        type="text"
        value={name()}
        placeholder="class name"
        aria-label="class name"
        data-testid="class-name"
        maxLength={40}
        onInput={(e) => {
          setName(e.currentTarget.value);
          setTouched(true);
        }}
      />
      <input type="color" value={color()} aria-label="class colour" onInput={(e) => setColor(e.currentTarget.value)} />
      <button type="submit" class="primary" disabled={!!problem()}>
        {props.submit}
      </button>
      <button type="button" class="ghost" onClick={() => props.onCancel()}>
        Cancel
      </button>
      <Show when={touched() && problem()}>
        <span class="inline-error">{problem()}</span>
      </Show>
    </form>
  );
}
