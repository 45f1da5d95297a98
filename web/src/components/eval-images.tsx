// The val images of an evaluation, one row each: given, predicted, confidence and loss (segmentation: per-
// image IoU), sortable by loss. The page pages and sorts on the server (GET /api/evaluation?sort&offset).
import { For, Show } from 'solid-js';
import { api } from '../api.ts';
import type { Class } from '../types.ts';
import { WEB_TASKS } from '../tasks/index.ts';
import type { Evaluation } from '../api-types.ts';

export const IMAGE_SORTS = [
  ['loss', 'loss ↓'],
  ['-loss', 'loss ↑'],
  ['id', 'id'],
] as const;

export function EvalImages(props: {
  ev: Evaluation;
  classes: Class[];
  cursor: number;
  sort: string;
  onSort: () => void;
  href: (id: number) => string;
  keys: { sort: string; row: string; open: string; pages: string };
}) {
  const k = (id: number | null) => props.classes.find((c) => c.id === id);
  const t = () => WEB_TASKS[props.ev.task].evaluation;
  const page = () => props.ev.images;
  const arrow = () => (props.sort === 'loss' ? ' ↓' : props.sort === '-loss' ? ' ↑' : '');
  return (
    <>
      <table class="metric-table" data-testid="eval-images">
        <thead>
          <tr>
            <th>image</th>
            <th>{t().words.given}</th>
            <th>{t().words.predicted}</th>
            <th class="num">confidence</th>
            <Show when={t().iou}>
              <th class="num">IoU</th>
            </Show>
            <th class="num sortable" onClick={props.onSort} title={`sort (${props.keys.sort})`} data-testid="sort-loss">
              loss{arrow()}
            </th>
          </tr>
        </thead>
        <tbody>
          <For
            each={page().items}
            fallback={
              <tr>
                <td colspan="6" class="muted">
                  No val images yet.
                </td>
              </tr>
            }
          >
            {(r, i) => (
              <tr classList={{ selected: i() === props.cursor }} data-testid="eval-image-row">
                <td>
                  <a href={props.href(r.id)}>
                    <img src={api.thumbUrl(r.id)} loading="lazy" alt="" /> #{r.id}
                  </a>
                </td>
                <td>
                  <span class="tag" style={{ '--c': k(r.given)?.color ?? '#888' }}>
                    {k(r.given)?.name ?? '–'}
                  </span>
                </td>
                <td classList={{ 'danger-text': r.given !== r.predicted }}>{k(r.predicted)?.name ?? '–'}</td>
                <td class="num">{r.confidence.toFixed(2)}</td>
                <Show when={t().iou}>
                  <td class="num">{r.iou?.toFixed(2) ?? '–'}</td>
                </Show>
                <td class="num">{r.loss.toFixed(3)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <p class="muted small">
        {page().total
          ? `${page().offset + 1}–${Math.min(page().total, page().offset + page().limit)} of ${page().total}`
          : ''}{' '}
        ·<kbd>{props.keys.row}</kbd> row · <kbd>{props.keys.open}</kbd> open · <kbd>{props.keys.sort}</kbd> sort ·{' '}
        <kbd>{props.keys.pages}</kbd> pages
      </p>
    </>
  );
}
