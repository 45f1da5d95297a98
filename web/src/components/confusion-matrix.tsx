// Rows = true class, columns = predicted; cells shaded by their share of the row. With `href` each cell
// links to its images (the evaluation page), with `cursor` one cell is marked for the keyboard.
import { For, Show } from 'solid-js';
import type { Class } from '../types.ts';

export function ConfusionMatrix(props: {
  data: { classIds: number[]; matrix: number[][] };
  classes: Class[];
  href?: (row: number, col: number) => string | null;
  cursor?: [number, number] | null;
}) {
  const names = () => props.data.classIds.map((id) => props.classes.find((k) => k.id === id)?.name ?? `#${id}`);
  const name = (i: number) => names()[i] ?? String(i);
  return (
    <table class="confusion" data-testid="confusion">
      <thead>
        <tr>
          <th>true \ predicted</th>
          <For each={props.data.matrix}>{(_, j) => <th>{name(j())}</th>}</For>
        </tr>
      </thead>
      <tbody>
        <For each={props.data.matrix}>
          {(row, i) => {
            const sum = row.reduce((a, b) => a + b, 0) || 1;
            return (
              <tr>
                <th>{name(i())}</th>
                <For each={row}>
                  {(v, j) => (
                    <td
                      classList={{ diag: i() === j(), cursor: props.cursor?.[0] === i() && props.cursor?.[1] === j() }}
                      data-testid="confusion-cell"
                      style={{ background: `rgba(${i() === j() ? '63,185,80' : '248,81,73'},${(v / sum) * 0.8})` }}
                    >
                      <Show when={v && props.href?.(i(), j())} fallback={v}>
                        <a
                          href={props.href!(i(), j())!}
                          title={`${name(i())} given, ${name(j())} predicted: open in Browse`}
                        >
                          {v}
                        </a>
                      </Show>
                    </td>
                  )}
                </For>
              </tr>
            );
          }}
        </For>
      </tbody>
    </table>
  );
}
