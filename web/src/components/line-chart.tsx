// A small uPlot line chart; series share the x axis. Axis titles say what x and y are (the trainer's
// "step" is the number of labels). Resizes with its box.
import { onCleanup, onMount, createEffect } from 'solid-js';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  points: { x: number; y: number }[];
}

/** Merge series with different x values onto one sorted x axis (gaps as null). */
export function align(series: Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const idx = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const p of s.points) col[idx.get(p.x)!] = p.y;
    return col;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

export function LineChart(props: {
  series: Series[];
  height?: number;
  yRange?: [number, number];
  small?: boolean;
  xTitle?: string;
  yTitle?: string;
}) {
  let box!: HTMLDivElement;
  let plot: uPlot | null = null;
  const axis = { stroke: '#8b949e', grid: { stroke: '#30363d', width: 1 }, ticks: { stroke: '#30363d' } };
  const build = () => {
    plot?.destroy();
    const opts: uPlot.Options = {
      width: Math.max(120, box.clientWidth),
      height: props.height ?? 180,
      // names and colours only: live values would read "--" until the pointer is on the chart
      legend: { show: !props.small, live: false },
      cursor: { show: !props.small },
      scales: { x: { time: false }, y: props.yRange ? { range: props.yRange } : {} },
      axes: props.small
        ? [{ show: false }, { ...axis, size: 36 }]
        : [
            {
              ...axis,
              label: props.xTitle,
              labelSize: 18,
              incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000],
            },
            { ...axis, label: props.yTitle, labelSize: 18 },
          ],
      series: [
        { label: props.xTitle ?? 'x' },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: true,
          // uPlot's default: dots where points are sparse (a curve's first point is visible), none where dense
        })),
      ],
    };
    plot = new uPlot(opts, align(props.series), box);
  };
  onMount(() => {
    build();
    const ro = new ResizeObserver(() =>
      plot?.setSize({ width: Math.max(120, box.clientWidth), height: props.height ?? 180 }),
    );
    ro.observe(box);
    onCleanup(() => {
      ro.disconnect();
      plot?.destroy();
    });
  });
  createEffect(() => {
    const data = align(props.series);
    if (plot && plot.series.length === props.series.length + 1) plot.setData(data);
    else if (plot) build();
  });
  const empty = () => props.series.every((s) => !s.points.length);
  return (
    <div class="chart-wrap">
      <div
        class="chart"
        ref={box}
        role="img"
        aria-label={`${props.yTitle ?? 'value'} vs ${props.xTitle ?? 'x'}: ${props.series.map((s) => s.label).join(', ')}`}
      />
      {empty() ? (
        <p class="muted small chart-empty" data-testid="chart-empty">
          No data yet: the chart fills in as you label and the model trains.
        </p>
      ) : null}
    </div>
  );
}
