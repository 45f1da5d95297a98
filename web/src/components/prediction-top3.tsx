// The model's top-3 classes with confidence, and which model made them.
import { For, Show } from 'solid-js';
import type { Class, Prediction } from '../types.ts';
import { pct } from '../lib/format.ts';

export function topK(p: Prediction | null, k = 3): { classId: number; prob: number }[] {
  if (!p || !('probs' in p)) return [];
  return Object.entries(p.probs)
    .map(([id, prob]) => ({ classId: Number(id), prob }))
    .sort((a, b) => b.prob - a.prob)
    .slice(0, k);
}

export function PredictionTop3(props: {
  prediction: Prediction | null;
  classes: Class[];
  acceptKey: string;
  stale: string | null;
}) {
  const byId = () => new Map(props.classes.map((k) => [k.id, k]));
  return (
    <div class="prediction" classList={{ stale: !!props.stale }} data-testid="prediction">
      <h3>
        Prediction{' '}
        <Show when={props.prediction?.modelVersion !== undefined}>
          <span class="muted model-tag">model v{props.prediction!.modelVersion}</span>
        </Show>
      </h3>
      <Show when={props.stale}>
        <p class="warn small" data-testid="prediction-stale">
          {props.stale}
        </p>
      </Show>
      <Show
        when={topK(props.prediction).length}
        fallback={<p class="muted small">No prediction yet for this image.</p>}
      >
        <For each={topK(props.prediction)}>
          {(t, i) => (
            <div class="pred-row" classList={{ top: i() === 0 }}>
              <span class="swatch" style={{ background: byId().get(t.classId)?.color ?? '#888' }} />
              <span class="name">{byId().get(t.classId)?.name ?? `class ${t.classId}`}</span>
              <span class="bar">
                <span
                  style={{ width: `${Math.round(t.prob * 100)}%`, background: byId().get(t.classId)?.color ?? '#888' }}
                />
              </span>
              <span class="pct">{pct(t.prob)}</span>
            </div>
          )}
        </For>
        <p class="muted small">
          <kbd>{props.acceptKey}</kbd> accepts the top class
        </p>
      </Show>
    </div>
  );
}
