// The annotator's name, sent with every label (X-Annotator) so stats and claims tell people apart.
import { createSignal } from 'solid-js';
import { getAnnotator, setAnnotator } from '../api.ts';
import { useApp } from '../context.ts';

export function AnnotatorName() {
  const { ui } = useApp();
  const [name, setName] = createSignal(getAnnotator());
  return (
    <section class="card">
      <h2>You</h2>
      <form class="row" onSubmit={(e) => { e.preventDefault(); setAnnotator(name()); setName(getAnnotator()); (document.activeElement as HTMLElement)?.blur(); ui.notify(`Labelling as ${getAnnotator()}.`); }}>
        <input type="text" value={name()} maxLength={64} aria-label="annotator name" onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit">Save</button>
        <span class="muted small">Stored in this browser; used for new labels, the per-annotator stats, and image claims.</span>
      </form>
    </section>
  );
}
