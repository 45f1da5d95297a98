// Per-class scores of an evaluation: precision, recall, F1 and support (classification), IoU and the
// labelled patches (segmentation), and the IoU of the masks Enter accepts where the evaluation has them. "–" where a score is undefined (a class never predicted or never given).
import { For, Show } from 'solid-js';
import type { Class } from '../types.ts';
import { WEB_TASKS } from '../tasks/index.ts';
import type { Evaluation } from '../api-types.ts';

export const ACCEPTED_TITLE =
  'the masks Enter accepts (the patch map refined to the edges, its shapes named by their crops), by heads fitted on the train side, scored on every labelled pixel of the val masks at full resolution';
const f = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));

export function EvalClasses(props: { ev: Evaluation; classes: Class[] }) {
  const t = () => WEB_TASKS[props.ev.task].evaluation;
  const color = (id: number) => props.classes.find((k) => k.id === id)?.color ?? '#888';
  return (
    <table class="metric-table" data-testid="eval-classes">
      <thead>
        <tr>
          <th>class</th>
          <Show when={t().iou}>
            <th class="num" title="at the patch grid, the patch head alone">
              IoU
            </th>
          </Show>
          <Show when={props.ev.accepted}>
            <th class="num" title={ACCEPTED_TITLE}>
              accepted IoU
            </th>
          </Show>
          <th class="num">precision</th>
          <th class="num">recall</th>
          <th class="num">F1</th>
          <th class="num" title={t().words.support}>
            support
          </th>
        </tr>
      </thead>
      <tbody>
        <For each={props.ev.perClass}>
          {(k) => (
            <tr data-testid="eval-class-row">
              <td>
                <span class="swatch" style={{ background: color(k.classId) }} /> {k.name}
              </td>
              <Show when={t().iou}>
                <td class="num">{f(k.iou)}</td>
              </Show>
              <Show when={props.ev.accepted}>
                {(a) => (
                  <td class="num" data-testid="eval-class-accepted">
                    {f(a().perClass.find((x) => x.classId === k.classId)?.iou)}
                  </td>
                )}
              </Show>
              <td class="num">{f(k.precision)}</td>
              <td class="num">{f(k.recall)}</td>
              <td class="num">{f(k.f1)}</td>
              <td class="num">{k.support}</td>
            </tr>
          )}
        </For>
      </tbody>
      <tfoot>
        <tr>
          <th>{t().words.mean}</th>
          <Show when={t().iou}>
            <th class="num">{f(props.ev.miou)}</th>
          </Show>
          <Show when={props.ev.accepted}>{(a) => <th class="num">{f(a().miou)}</th>}</Show>
          <th />
          <th />
          <th class="num">{f(props.ev.macroF1)}</th>
          <th class="num">{props.ev.perClass.reduce((a, k) => a + k.support, 0)}</th>
        </tr>
      </tfoot>
    </table>
  );
}
