// Stats: counts per class, learning curves (val accuracy / mIoU and train loss against the number of
// labels, live accuracy) and the val confusion matrix when the trainer published one. A task may have
// its own view instead (tasks/views.tsx: segmentation's components/seg-stats.tsx).
import { For, Show, createSignal, onCleanup, onMount } from 'solid-js';
import { useApp } from '../context.ts';
import { api } from '../api.ts';
import { count, fmt, pct, rollingAccuracy } from '../lib/format.ts';
import { LineChart, type Series } from '../components/line-chart.tsx';
import { ConfusionMatrix } from '../components/confusion-matrix.tsx';
import { Dynamic } from 'solid-js/web';
import { TASK_VIEWS } from '../tasks/views.tsx';
import type { Stats } from '../api-types.ts';

const COLORS = ['#58a6ff', '#3fb950', '#d29922', '#f778ba', '#a5d6ff', '#ff7b72', '#bc8cff'];

export function StatsPage() {
  const { socket, session, prefs } = useApp();
  const [stats, setStats] = createSignal<Stats | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  let t: ReturnType<typeof setTimeout> | undefined;
  const load = () => {
    clearTimeout(t);
    t = setTimeout(() => api.stats().then(setStats, (e) => setError((e as Error).message)), 200);
  };
  onMount(load);
  onCleanup(socket.on('metric', load));
  onCleanup(socket.on('annotation', load));
  onCleanup(() => clearTimeout(t));

  const metricSeries = (pick: (name: string) => boolean): Series[] =>
    Object.entries(stats()?.metrics ?? {})
      .filter(([n]) => pick(n))
      .map(([n, pts], i) => ({
        label: n,
        color: COLORS[i % COLORS.length],
        points: pts.map((p) => ({ x: p.step, y: p.value })),
      }));
  const isLoss = (n: string) => /loss/i.test(n);
  const max = () => Math.max(1, ...(stats()?.perClass.map((c) => c.count) ?? [1]));
  const live = () => rollingAccuracy(stats()?.live.series ?? [], prefs.liveWindow()).map((y, i) => ({ x: i + 1, y }));

  return (
    <div class="page stats" data-testid="stats-page">
      <Show when={stats()} fallback={<p class="muted">{error() ?? 'Loading…'}</p>}>
        {(s) => (
          <Show
            when={!(s().task && TASK_VIEWS[s().task!].Stats)}
            fallback={<Dynamic component={TASK_VIEWS[s().task!].Stats} stats={s()} classes={session.classes()} />}
          >
            <section class="card">
              <h2>Counts</h2>
              <p>
                {count(s().total, 'image')} · {fmt(s().labelled)} labelled · {fmt(s().skipped)} skipped ·{' '}
                {fmt(s().unlabelled)} to do
              </p>
              <table class="bars">
                <tbody>
                  <For each={s().perClass}>
                    {(c) => (
                      <tr>
                        <td>
                          <span
                            class="swatch"
                            style={{
                              background: c.color ?? session.classes().find((k) => k.id === c.classId)?.color ?? '#888',
                            }}
                          />{' '}
                          {c.name}
                        </td>
                        <td class="num">{fmt(c.count)}</td>
                        <td class="barcell">
                          <span style={{ width: `${(100 * c.count) / max()}%`, background: c.color ?? '#58a6ff' }} />
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <Show when={s().perAnnotator.length > 1}>
                <p class="muted small">
                  by annotator:{' '}
                  {s()
                    .perAnnotator.map((a) => `${a.annotator} ${fmt(a.count)}`)
                    .join(' · ')}
                </p>
              </Show>
            </section>
            <section class="card">
              <h2>Live accuracy</h2>
              <p>
                {s().live.n
                  ? `${pct(s().live.correct / s().live.n)} of ${count(s().live.n, 'prediction')} shown ${s().live.n === 1 ? 'was' : 'were'} right (the label given agreed); rolling over ${prefs.liveWindow()}:`
                  : 'No label given yet while a prediction was shown.'}
              </p>
              <Show
                when={live().length > 1}
                fallback={
                  <p class="muted small">The curve appears after two labels given while a prediction was shown.</p>
                }
              >
                <LineChart
                  yRange={[0, 1]}
                  xTitle="labels given with a prediction shown"
                  yTitle="accuracy (rolling)"
                  series={[{ label: 'live accuracy', color: '#58a6ff', points: live() }]}
                />
              </Show>
            </section>
            <section class="card">
              <h2>Learning curves</h2>
              <Show
                when={metricSeries(() => true).length}
                fallback={<p class="muted small">The trainer has not reported metrics yet.</p>}
              >
                <Show when={metricSeries((n) => !isLoss(n)).length}>
                  <h3>validation (held-out split: higher is better)</h3>
                  <LineChart
                    series={metricSeries((n) => !isLoss(n))}
                    xTitle="labels"
                    yTitle={s().metrics.val_miou ? 'accuracy / mIoU' : 'accuracy'}
                    yRange={[0, 1]}
                  />
                </Show>
                <Show when={metricSeries(isLoss).length}>
                  <h3>training loss</h3>
                  <LineChart series={metricSeries(isLoss)} xTitle="labels" yTitle="train loss" />
                  <p class="muted small" data-testid="loss-note">
                    The training loss usually <b>rises</b> as labels are added: the head is regularised, and more (and
                    harder) labels are harder to fit exactly. That is not the model getting worse —{' '}
                    {metricSeries((n) => !isLoss(n)).length
                      ? 'the validation curve above is the one to watch.'
                      : 'watch the validation curve, which appears here once a few labelled images are on the val side (model strategies send one pick in five there over the first 50 labels).'}
                  </p>
                </Show>
              </Show>
            </section>
            <Show when={s().confusion?.matrix?.length}>
              <section class="card">
                <h2>Confusion matrix (val split)</h2>
                <ConfusionMatrix data={s().confusion!} classes={session.classes()} />
              </section>
            </Show>
          </Show>
        )}
      </Show>
    </div>
  );
}
