// Live (prequential) accuracy: was the prediction shown right about the label then given? Over a
// window of the last N labels, with a small learning curve of the same rolling accuracy.
import { Show } from 'solid-js';
import type { Stats } from '../api-types.ts';
import { pct, rollingAccuracy, windowAccuracy } from '../lib/format.ts';
import { LineChart } from './line-chart.tsx';

export function LiveAccuracy(props: {
  stats: Stats | null;
  window: number;
  setWindow: (n: number) => void;
  keys: [string, string];
}) {
  const series = () => props.stats?.live.series ?? [];
  const acc = () => windowAccuracy(series(), props.window);
  const curve = () => rollingAccuracy(series(), props.window).map((y, i) => ({ x: i + 1, y }));
  return (
    <div class="live" data-testid="live-accuracy">
      <h3>Live accuracy</h3>
      <Show
        when={series().length}
        fallback={<p class="muted small">No label given yet while a prediction was shown.</p>}
      >
        <div class="live-value">
          <b data-testid="live-value">{pct(acc())}</b>
          <span class="muted small">
            {' '}
            right of the last {Math.min(props.window, series().length)} prediction{series().length === 1 ? '' : 's'}{' '}
            shown
          </span>
        </div>
      </Show>
      <label class="slider">
        <span class="muted small">window {props.window}</span>
        <input
          type="range"
          min="5"
          max="500"
          step="5"
          value={props.window}
          aria-label="live accuracy window"
          onInput={(e) => props.setWindow(Number(e.currentTarget.value))}
        />
        <span class="muted small">
          <kbd>{props.keys[0]}</kbd>
          <kbd>{props.keys[1]}</kbd>
        </span>
      </label>
      <Show when={series().length > 1}>
        <LineChart
          small
          height={90}
          yRange={[0, 1]}
          series={[{ label: 'live accuracy', color: '#58a6ff', points: curve() }]}
        />
      </Show>
    </div>
  );
}
