// Live (prequential) accuracy: was the prediction shown right about the label then given? Over a
// window of the last N labels, with a small learning curve of the same rolling accuracy.
import { Show } from 'solid-js';
import type { Stats } from '../types.ts';
import { pct, rollingAccuracy, windowAccuracy } from '../lib/format.ts';
import { LineChart } from './line-chart.tsx';

export function LiveAccuracy(props: { stats: Stats | null; window: number; setWindow: (n: number) => void; keys: [string, string] }) {
  const series = () => props.stats?.live.series ?? [];
  const acc = () => windowAccuracy(series(), props.window);
  const curve = () => rollingAccuracy(series(), props.window).map((y, i) => ({ x: i + 1, y }));
  return (
    <div class="live" data-testid="live-accuracy">
      <h3>Live accuracy</h3>
      <div class="live-value">
        <b>{pct(acc())}</b>
        <span class="muted small"> of the last {Math.min(props.window, series().length)} predictions shown were right</span>
      </div>
      <label class="slider">
        <span class="muted small">window {props.window}</span>
        <input type="range" min="5" max="500" step="5" value={props.window} aria-label="live accuracy window"
          onInput={(e) => props.setWindow(Number(e.currentTarget.value))} />
        <span class="muted small"><kbd>{props.keys[0]}</kbd><kbd>{props.keys[1]}</kbd></span>
      </label>
      <Show when={series().length > 1} fallback={<p class="muted small">Appears once labels are given while predictions are shown.</p>}>
        <LineChart small height={90} yRange={[0, 1]} series={[{ label: 'live accuracy', color: '#58a6ff', points: curve() }]} />
      </Show>
    </div>
  );
}
