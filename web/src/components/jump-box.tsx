// Type an image id and Enter: opens it in the labelling view; an unknown id says so inline.
import { Show, createSignal, onCleanup, onMount } from 'solid-js';
import { useApp } from '../context.ts';
import { api } from '../api.ts';

export function JumpBox(props: { onClose: () => void }) {
  const { router, session } = useApp();
  const [value, setValue] = createSignal('');
  const [msg, setMsg] = createSignal<string | null>(null);
  let input!: HTMLInputElement;
  let closing: ReturnType<typeof setTimeout> | undefined;
  onMount(() => input.focus());
  // a late close from this box must not shut the next one opened right after
  onCleanup(() => clearTimeout(closing));

  async function go() {
    const v = value().trim().replace(/^#/, '');
    if (!/^\d+$/.test(v)) {
      setMsg('Type a number, e.g. 42');
      return;
    }
    const task = session.info()?.task;
    // opening a labelling view would lock the task: that choice belongs on the home page
    if (!task) {
      setMsg('Choose the task on the home page first');
      return;
    }
    // "the first image after id−1" is the image itself when it exists: asked this way an unknown id is
    // an ordinary answer, not a 404 for the browser console to log
    const id = Number(v);
    try {
      const r = id > 0 && v.length <= 12 ? await api.next({ after: id - 1 }) : { id: null };
      if (r.id !== id) {
        setMsg(`No image with id ${v}`);
        return;
      }
    } catch (e) {
      setMsg((e as Error).message);
      return;
    }
    input.blur();
    props.onClose();
    router.navigate(`/${task}?id=${id}`);
  }

  return (
    <form
      class="jump"
      onSubmit={(e) => {
        e.preventDefault();
        void go();
      }}
    >
      <input
        ref={input}
        type="text"
        inputmode="numeric"
        placeholder="image id"
        aria-label="Jump to image id"
        data-testid="jump-input"
        value={value()}
        onInput={(e) => {
          setValue(e.currentTarget.value);
          setMsg(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            input.blur();
            props.onClose();
          }
        }}
        onBlur={() => {
          if (!msg()) closing = setTimeout(props.onClose, 100);
        }}
      />
      <Show when={msg()}>
        <span class="inline-error" data-testid="jump-error">
          {msg()}
        </span>
      </Show>
    </form>
  );
}
