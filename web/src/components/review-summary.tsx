// The likely label errors in short on the evaluation page: how many, the worst few, and the way into the
// review walk (Browse, filter "likely label errors").
import { For, Show } from 'solid-js';
import { api } from '../api.ts';
import type { Class } from '../types.ts';
import type { ReviewList } from '../api-types.ts';

export function ReviewSummary(props: { review: ReviewList | null; classes: Class[]; keyHint: string }) {
  const name = (id: number | null) => props.classes.find((k) => k.id === id)?.name ?? '–';
  const how = () =>
    props.review?.method === 'patches'
      ? 'images whose painted labels the model predicts otherwise on at least a quarter of their patches'
      : `labels that heads fitted without the image put in another class, with that class at least as sure as it is on average on its own labels (${props.review?.folds}-fold refits on the ${props.review?.labelled} labelled images)`;
  return (
    <section class="card" data-testid="review-summary">
      <h2>Likely label errors</h2>
      <Show
        when={props.review?.modelVersion != null}
        fallback={<p class="muted small">Computed in the background after each refit, once there is a model.</p>}
      >
        <Show when={props.review!.waiting}>
          {(w) => (
            <p class="small" data-testid="review-waiting">
              No list yet: {w()}.
            </p>
          )}
        </Show>
        <Show when={!props.review!.waiting}>
          <p class="small">
            <b data-testid="review-count">{props.review!.total}</b> flagged: {how()}. Model v
            {props.review!.modelVersion}.
          </p>
          <Show when={props.review!.agreement != null}>
            <p class="muted small" data-testid="review-agreement">
              The held-out heads agree with {Math.round(props.review!.agreement! * 100)} % of the labels
              {props.review!.agreement! < 0.85
                ? ': with that few right, many flags are pictures the model has not learned yet rather than wrong labels — label more before trusting the list'
                : ''}
              . A score is how likely the label is wrong, never more than the heads have been right at that confidence.
            </p>
          </Show>
        </Show>
        <ul class="hints">
          <For each={props.review!.items}>
            {(it) => (
              <li class="small">
                <a href={`/browse?review=1`}>
                  <img
                    src={api.thumbUrl(it.id)}
                    alt=""
                    style={{ width: '40px', height: '30px', 'object-fit': 'contain', 'vertical-align': 'middle' }}
                  />{' '}
                  #{it.id}
                </a>{' '}
                given <b>{name(it.given)}</b>, held-out heads say <b>{name(it.suggested)}</b>{' '}
                <span class="muted">(score {it.score.toFixed(2)})</span>
              </li>
            )}
          </For>
        </ul>
        <Show when={props.review!.total} fallback={<p class="muted small">Nothing to review now.</p>}>
          <p>
            <a href="/browse?review=1" data-testid="review-link">
              Review them in Browse
            </a>{' '}
            <kbd>{props.keyHint}</kbd>{' '}
            <span class="muted small">— or choose the next-image strategy “review likely label errors”.</span>
          </p>
        </Show>
      </Show>
    </section>
  );
}
