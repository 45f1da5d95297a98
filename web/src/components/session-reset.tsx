// Reset: the session folder is renamed (archived, nothing deleted) and a fresh session starts on
// the same images with the task unlocked. Needs the session name typed as confirmation.
import { Show, createSignal } from 'solid-js';
import { useApp } from '../context.ts';
import { api } from '../api.ts';

export function SessionReset() {
  const { session, router, ui } = useApp();
  const [typed, setTyped] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const name = () => session.info()?.name ?? '';
  async function reset() {
    setBusy(true);
    setError(null);
    try {
      const r = await api.reset(typed());
      // drafts of unsaved segmentation work belong to the archived session
      for (const k of Object.keys(localStorage)) if (k.startsWith(`hilt.draft.${name()}.`)) localStorage.removeItem(k);
      ui.notify(`Session reset; the previous one is kept as ${r.archivedAs}.`);
      setTyped('');
      await session.refresh();
      router.navigate('/');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card">
      <h2>Reset the session</h2>
      <p>
        Resetting <b>deletes nothing</b>: the session folder is renamed to <code>{name()}.&lt;UTC time&gt;</code> with
        all its annotations, predictions and models, and a fresh session <b>{name()}</b> starts on the same images with
        the task unlocked (current task: {session.info()?.task ?? 'none'}).
      </p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed() === name() && !busy()) void reset();
        }}
      >
        <input
          type="text"
          placeholder={`type "${name()}" to confirm`}
          value={typed()}
          onInput={(e) => setTyped(e.currentTarget.value)}
          aria-label="type the session name to confirm"
          data-testid="reset-confirm"
        />
        <button type="submit" class="danger" disabled={typed() !== name() || busy()}>
          {busy() ? 'Resetting…' : 'Reset the session'}
        </button>
      </form>
      <Show when={error()}>
        <p class="inline-error">{error()}</p>
      </Show>
    </section>
  );
}
