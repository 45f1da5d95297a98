// Rows = true class, columns = predicted; cells shaded by their share of the row.
import { For } from 'solid-js';
import type { Class, Stats } from '../types.ts';

export function ConfusionMatrix(props: { data: NonNullable<Stats['confusion']>; classes: Class[] }) {
  const names = () => props.data.labels ?? (props.data.classIds ?? []).map((id) => props.classes.find((k) => k.id === id)?.name ?? `#${id}`);
  const name = (i: number) => names()[i] ?? String(i);
  return (
    <table class="confusion" data-testid="confusion">
      <thead><tr><th>true \ predicted</th><For each={props.data.matrix}>{(_, j) => <th>{name(j())}</th>}</For></tr></thead>
      <tbody>
        <For each={props.data.matrix}>{(row, i) => {
          const sum = row.reduce((a, b) => a + b, 0) || 1;
          return (
            <tr>
              <th>{name(i())}</th>
              <For each={row}>{(v, j) => (
                <td classList={{ diag: i() === j() }} style={{ background: `rgba(${i() === j() ? '63,185,80' : '248,81,73'},${(v / sum) * 0.8})` }}>{v}</td>
              )}</For>
            </tr>
          );
        }}</For>
      </tbody>
    </table>
  );
}
