// Classification: big image, class buttons with keys, top-3 prediction, live accuracy. Data + view.
import { Show, createSignal, onCleanup, onMount } from 'solid-js';
import { api } from '../api.ts';
import { createLabelling } from '../stores/labelling.ts';
import { classification } from '../tasks/classification.ts';
import { createClassifier } from '../stores/classifier.ts';
import { ImageStage } from '../components/image-stage.tsx';
import { ClassButtons } from '../components/class-buttons.tsx';
import { PredictionTop3 } from '../components/prediction-top3.tsx';
import { LiveAccuracy } from '../components/live-accuracy.tsx';
import { StrategySelect } from '../components/strategy-select.tsx';
import { HintsPanel } from '../components/hints-list.tsx';
import { staleNote } from '../lib/prediction-note.ts';
import { classByDigit, digitOf } from '../keys/class-keys.ts';
import type { Stats } from '../api-types.ts';

export function ClassifyPage() {
  const { nav, cache, app } = createLabelling(classification);
  const { session, keys, prefs, ui, socket, strategy } = app;
  const [stats, setStats] = createSignal<Stats | null>(null);
  let statsTimer: ReturnType<typeof setTimeout> | undefined;
  const loadStats = () => {
    clearTimeout(statsTimer);
    statsTimer = setTimeout(() => api.stats().then(setStats, () => {}), 300);
  };
  onMount(loadStats);
  onCleanup(socket.on('annotation', loadStats));
  onCleanup(() => clearTimeout(statsTimer));

  const c = createClassifier({
    nav,
    cache,
    notify: ui.notify,
    changed: () => {},
    sequential: () => strategy.pick().strategy === 'sequential',
  });
  const classes = () => session.classes();
  const labelDigit = (d: number) => () => {
    const k = classByDigit(classes(), d);
    if (k && nav.entry()) c.label(k);
  };
  const win = (d: number) => prefs.setLiveWindow(Math.max(5, Math.min(500, prefs.liveWindow() + d)));
  keys.use('classify', {
    ...Object.fromEntries(Array.from({ length: 10 }, (_, d) => [`label${d}`, labelDigit(d)])),
    accept: () => c.accept(),
    skip: () => c.skip(),
    next: () => nav.move(1),
    prev: () => nav.move(-1),
    undo: () => void c.undo(),
    windowDown: () => win(-5),
    windowUp: () => win(5),
  });

  // nothing is "the image" while none is shown: an unknown id says so on the stage, not "not labelled"
  const e = () => (nav.status().kind === 'error' ? null : nav.entry());
  const ann = () => e()?.meta.annotation ?? null;
  const pred = () => e()?.meta.prediction ?? null;
  const predicted = () => {
    const p = pred();
    return p && 'probs' in p ? p.classId : null;
  };
  const label = () => {
    const a = ann();
    if (!e()) return '';
    if (!a) return 'not labelled yet';
    if (a.kind === 'skip') return 'skipped';
    return `labelled ${classes().find((k) => k.id === a.classId)?.name ?? '(removed class)'}`;
  };

  return (
    <div class="labelling">
      <div class="stage-wrap">
        <ImageStage entry={e()} status={nav.status()} />
        <div class="stage-caption">
          <span data-testid="current-label" class={ann() ? 'ok' : 'muted'}>
            {label()}
          </span>
          <Show when={nav.why()}>
            <span class="pick-why small" data-testid="pick-why" title="why the next-image strategy picked this image">
              {nav.why()}
            </span>
          </Show>
          <span class="muted small">
            {e()?.meta.image.name}
            {e() ? ` · ${e()!.meta.image.width}×${e()!.meta.image.height}` : ''}
          </span>
          <span class="muted small">
            <kbd>{keys.hint('classify.prev')}</kbd>/<kbd>{keys.hint('classify.next')}</kbd> move ·{' '}
            <kbd>{keys.hint('classify.skip')}</kbd> skip · <kbd>{keys.hint('classify.undo')}</kbd> undo · <kbd>?</kbd>{' '}
            all keys
          </span>
        </div>
      </div>
      <aside class="side">
        <h3>Classes</h3>
        <ClassButtons
          classes={classes()}
          hint={(k) => {
            const d = digitOf(classes(), k.id);
            return d === null ? '' : keys.hint(`classify.label${d}`);
          }}
          selected={ann()?.kind === 'label' ? ann()!.classId : null}
          predicted={predicted()}
          onPick={(k) => c.label(k)}
          title="Label and advance"
        />
        <PredictionTop3
          prediction={pred()}
          classes={classes()}
          acceptKey={keys.hint('classify.accept')}
          stale={staleNote(pred(), session.trainer())}
        />
        <LiveAccuracy
          stats={stats()}
          window={prefs.liveWindow()}
          setWindow={prefs.setLiveWindow}
          keys={[keys.hint('classify.windowDown'), keys.hint('classify.windowUp')]}
        />
        <StrategySelect reason={nav.reason()} />
        <HintsPanel />
      </aside>
    </div>
  );
}
