// Settings › You: the name this browser labels under (also Shift+A in the header). Without one the
// server calls this browser guest-<id>; either way claims keep every browser's images apart.
import { Show, createSignal } from 'solid-js';
import { useApp } from '../context.ts';

export function AnnotatorName() {
  const { ui, identity, keys } = useApp();
  const [name, setName] = createSignal(identity.name());
  const me = () => identity.me();
  async function save() {
    (document.activeElement as HTMLElement)?.blur();
    const m = await identity.setName(name());
    setName(identity.name());
    ui.notify(`Labelling as ${m?.annotator ?? name()}.`);
  }
  return (
    <section class="card">
      <h2>You</h2>
      <Show
        when={!me()?.authenticated}
        fallback={
          <p>
            Signed in as <b>{me()!.annotator}</b> (from your token).
          </p>
        }
      >
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <input
            type="text"
            value={name()}
            maxLength={64}
            placeholder={`empty: ${me()?.annotator ?? 'guest id'}`}
            aria-label="annotator name"
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <button type="submit">Save</button>
          <span class="muted small">
            Labelling as <b>{me()?.annotator ?? '…'}</b> (browser id {me()?.id ?? '…'}).{' '}
            <kbd>{keys.hint('global.name')}</kbd> sets it from anywhere. Stored in this browser; used for new labels and
            the per-annotator stats. Each browser holds its own images whatever the name.
          </span>
        </form>
      </Show>
    </section>
  );
}
