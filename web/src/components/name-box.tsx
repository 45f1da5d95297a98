// The header's "you: …" chip, editable in place (Shift+A or a click): type a name, Enter saves, Esc
// cancels, an empty name goes back to this browser's guest id. With a sign-in token the name is the
// token's and cannot be changed here.
import { Show, createSignal, onMount } from 'solid-js';
import { useApp } from '../context.ts';

export function NameChip() {
  const { identity, keys } = useApp();
  const me = () => identity.me();
  return (
    <div class="you" data-testid="you">
      <Show
        when={identity.editing() && !me()?.authenticated}
        fallback={
          <button
            class="ghost you-button"
            data-testid="you-button"
            onClick={() => identity.setEditing(true)}
            title={
              me()?.authenticated
                ? 'signed in with a token'
                : `browser id ${me()?.id ?? '…'} · set your name (${keys.hint('global.name')})`
            }
          >
            you: <b data-testid="you-name">{me()?.annotator ?? '…'}</b>
          </button>
        }
      >
        <NameBox />
      </Show>
    </div>
  );
}

function NameBox() {
  const { identity, ui } = useApp();
  const [value, setValue] = createSignal(identity.name());
  let input!: HTMLInputElement;
  onMount(() => {
    input.focus();
    input.select();
  });
  const close = () => {
    input.blur();
    identity.setEditing(false);
  };
  async function save() {
    const me = await identity.setName(value());
    close();
    ui.notify(`Labelling as ${me?.annotator ?? value()}.`);
  }
  return (
    <form
      class="name-box"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <input
        ref={input}
        type="text"
        maxLength={64}
        placeholder="your name (empty: guest id)"
        aria-label="your name"
        data-testid="name-input"
        value={value()}
        onInput={(e) => setValue(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            close();
          }
        }}
        onBlur={() => setTimeout(() => identity.setEditing(false), 100)}
      />
    </form>
  );
}
