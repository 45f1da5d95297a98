// Segmentation side panel: tools (superpixel brush too), brush size, class to paint, what is drawn (your
// mask, the prediction, their disagreement), history, strategy.
import { For, Show } from 'solid-js';
import { useApp } from '../context.ts';
import type { SegEditor, Tool } from '../seg/editor.ts';
import { ClassButtons } from './class-buttons.tsx';
import { StrategySelect } from './strategy-select.tsx';
import { HintsPanel } from './hints-list.tsx';
import { digitOf } from '../keys/class-keys.ts';

const TOOLS: { id: Tool; label: string }[] = [
  { id: 'brush', label: 'Brush' },
  { id: 'eraser', label: 'Eraser' },
  { id: 'point', label: 'Point' },
  { id: 'polygon', label: 'Polygon' },
  { id: 'region', label: 'Region' },
];

export interface SegView {
  hideAll: boolean;
  setHideAll: (v: boolean) => void;
  diffOnly: boolean;
  setDiffOnly: (v: boolean) => void;
  snap: boolean;
  setSnap: (v: boolean) => void;
  superpixels: 'off' | 'computing' | 'ready' | 'error';
}

export function SegPanel(props: {
  tool: Tool;
  setTool: (t: Tool) => void;
  classId: number;
  setClassId: (id: number) => void;
  view: SegView;
  heat: boolean;
  setHeat: (v: boolean) => void;
  hasPrediction: boolean;
  onAccept?: (e: SegEditor) => void;
  modelVersion?: number;
  stale: string | null;
  reason: string;
  editor: SegEditor | null;
  tick: number;
}) {
  const { keys, prefs, session } = useApp();
  const h = (id: string) => keys.hint(`segment.${id}`);
  const run = (fn: (e: SegEditor) => void) => () => {
    if (props.editor?.state) fn(props.editor);
  };
  return (
    <aside class="side">
      <h3>Tools</h3>
      <div class="tools" data-testid="tools">
        <For each={TOOLS}>
          {(t) => (
            <button
              classList={{ selected: props.tool === t.id }}
              onClick={() => props.setTool(t.id)}
              data-testid={`tool-${t.id}`}
            >
              {t.label} <kbd>{h(t.id)}</kbd>
            </button>
          )}
        </For>
        <button
          classList={{ selected: props.view.snap }}
          data-testid="tool-superpixel"
          title="Brush and eraser paint whole superpixels: one stroke fills up to the image's edges"
          onClick={() => {
            const on = !props.view.snap;
            props.view.setSnap(on);
            if (on && props.tool !== 'eraser') props.setTool('brush');
          }}
        >
          Superpixels <kbd>{h('superpixel')}</kbd>
        </button>
      </div>
      <Show when={props.view.snap}>
        <p class="muted small" data-testid="superpixel-state">
          {
            {
              off: '',
              computing: 'superpixels: computing…',
              ready: 'superpixels: the brush and the eraser fill whole superpixels',
              error: 'superpixels could not be computed',
            }[props.view.superpixels]
          }
        </p>
      </Show>
      <label class="slider">
        <span class="muted small">size {prefs.brush()} px</span>
        <input
          type="range"
          min="1"
          max="200"
          value={prefs.brush()}
          aria-label="brush size"
          onInput={(e) => prefs.setBrush(Number(e.currentTarget.value))}
        />
        <span class="muted small">
          <kbd>{h('sizeDown')}</kbd>
          <kbd>{h('sizeUp')}</kbd>
        </span>
      </label>
      <Show when={props.tool === 'polygon'}>
        <p class="muted small">
          Click the vertices; click the first one, double-click or <kbd>{h('accept')}</kbd> to fill, <kbd>Esc</kbd> to
          cancel.
        </p>
      </Show>
      <Show when={props.tool === 'point'}>
        <p class="muted small">Click to add a point of the class; click a point to remove it.</p>
      </Show>
      <Show when={props.tool === 'region'}>
        <p class="muted small" data-testid="region-help">
          Click a region of the predicted map to give all of it the class, or point at it and press a class key.{' '}
          <kbd>{h('undo')}</kbd> undoes.
        </p>
      </Show>

      <h3>Class</h3>
      <ClassButtons
        classes={session.classes()}
        hint={(k) => {
          const d = digitOf(session.classes(), k.id);
          return d === null ? '' : keys.hint(`segment.class${d}`);
        }}
        selected={props.classId}
        onPick={(k) => props.setClassId(k.id)}
        title="Paint with this class"
      />

      <h3>View</h3>
      <label class="slider">
        <span class="muted small">your mask {Math.round(prefs.maskOpacity() * 100)}%</span>
        <input
          type="range"
          min="0"
          max="1"
          step="0.05"
          value={prefs.maskOpacity()}
          aria-label="your mask opacity"
          onInput={(e) => prefs.setMaskOpacity(Number(e.currentTarget.value))}
        />
        <span class="muted small">
          <kbd>{h('maskOpacityDown')}</kbd>
          <kbd>{h('maskOpacityUp')}</kbd>
        </span>
      </label>
      <div class="row">
        <button
          classList={{ selected: props.view.hideAll }}
          onClick={() => props.view.setHideAll(!props.view.hideAll)}
          data-testid="view-hide"
        >
          Hide both <kbd>{h('hide')}</kbd>
        </button>
        <button
          classList={{ selected: props.view.diffOnly }}
          disabled={!props.hasPrediction}
          onClick={() => {
            props.view.setDiffOnly(!props.view.diffOnly);
            props.view.setHideAll(false);
          }}
          data-testid="view-diff"
        >
          Disagreement <kbd>{h('diff')}</kbd>
        </button>
      </div>
      <Show when={props.view.diffOnly && props.hasPrediction}>
        <p class="muted small" data-testid="diff-stats">
          {(props.tick, props.modelVersion, diffText(props.editor))}
        </p>
      </Show>
      <Show
        when={props.view.diffOnly && props.hasPrediction}
        fallback={
          <p class="muted small legend">
            <span class="swatch-mask" /> your mask: outline + light fill · <span class="swatch-pred" /> prediction:
            hatched
          </p>
        }
      >
        <p class="muted small legend">
          <span class="swatch-diff" /> disagreement · <span class="swatch-mask" /> your mask's outline
        </p>
      </Show>

      <h3 data-testid="seg-prediction">
        Prediction{' '}
        <Show when={props.hasPrediction && props.modelVersion !== undefined}>
          <span class="muted model-tag">model v{props.modelVersion}</span>
        </Show>
      </h3>
      <Show when={props.hasPrediction} fallback={<p class="muted small">No predicted map for this image yet.</p>}>
        <Show when={props.stale}>
          <p class="warn small" data-testid="prediction-stale">
            {props.stale}
          </p>
        </Show>
        <div class="row">
          <button classList={{ selected: prefs.overlay() }} onClick={() => prefs.setOverlay(!prefs.overlay())}>
            Overlay <kbd>{h('overlay')}</kbd>
          </button>
          <button classList={{ selected: props.heat }} onClick={() => props.setHeat(!props.heat)}>
            Uncertainty <kbd>{h('uncertainty')}</kbd>
          </button>
        </div>
        <label class="slider">
          <span class="muted small">prediction {Math.round(prefs.opacity() * 100)}%</span>
          <input
            type="range"
            min="0"
            max="1"
            step="0.05"
            value={prefs.opacity()}
            aria-label="prediction opacity"
            onInput={(e) => prefs.setOpacity(Number(e.currentTarget.value))}
          />
          <span class="muted small">
            <kbd>{h('opacityDown')}</kbd>
            <kbd>{h('opacityUp')}</kbd>
          </span>
        </label>
        <Show when={(props.tick, props.modelVersion, props.editor?.predictionSummary())}>
          {(sum) => (
            <div data-testid="pred-summary">
              <p class="small shares" data-testid="pred-shares">
                <For
                  each={sum()
                    .shares.filter((x) => x.share >= 0.005)
                    .sort((a, b) => b.share - a.share)}
                >
                  {(x, i) => (
                    <>
                      {i() ? ' · ' : ''}
                      <span
                        class="swatch"
                        style={{ background: session.classes().find((k) => k.id === x.classId)?.color ?? '#888' }}
                      />{' '}
                      {Math.round(x.share * 100)} %{' '}
                      {session.classes().find((k) => k.id === x.classId)?.name ?? `class ${x.classId}`}
                    </>
                  )}
                </For>
              </p>
              <p
                class="small"
                classList={{ warn: sum().meanConfidence < 0.5, muted: sum().meanConfidence >= 0.5 }}
                data-testid="pred-confidence"
              >
                mean confidence {Math.round(sum().meanConfidence * 100)} %
                {sum().meanConfidence < 0.5 ? ': very uncertain, Enter asks twice' : ''}
              </p>
            </div>
          )}
        </Show>
        <Show when={props.heat}>
          <p class="small muted heat-legend" data-testid="heat-legend">
            uncertainty: <span class="heat-bar" /> <span>sure</span> → <span>unsure</span> (clear where the model is
            sure, yellow to red where it hesitates between two classes)
          </p>
        </Show>
        <button
          class="primary"
          onClick={run((e) => {
            if (props.onAccept) props.onAccept(e);
            else e.acceptPrediction();
          })}
        >
          Use the prediction as the mask <kbd>{h('accept')}</kbd>
        </button>
      </Show>

      <h3>Edit</h3>
      <div class="row">
        <button onClick={run((e) => e.undo())} disabled={(props.tick, !props.editor?.state?.history.canUndo)}>
          Undo <kbd>{h('undo')}</kbd>
        </button>
        <button onClick={run((e) => e.redo())} disabled={(props.tick, !props.editor?.state?.history.canRedo)}>
          Redo <kbd>{h('redo')}</kbd>
        </button>
        <button onClick={run((e) => e.clear())}>
          Clear <kbd>{h('clear')}</kbd>
        </button>
      </div>
      <div class="row">
        <button onClick={run((e) => e.zoom(1.25))}>
          Zoom + <kbd>{h('zoomIn')}</kbd>
        </button>
        <button onClick={run((e) => e.zoom(0.8))}>
          − <kbd>{h('zoomOut')}</kbd>
        </button>
        <button onClick={run((e) => e.fit())}>
          Fit <kbd>{h('zoomFit')}</kbd>
        </button>
      </div>
      <StrategySelect reason={props.reason} />
      <HintsPanel />
    </aside>
  );
}

/** "1 234 of your 56 789 labelled pixels (2.2 %) disagree with the prediction" */
function diffText(e: SegEditor | null): string {
  e?.diffCanvas(); // counted for the current mask and prediction (cached until either changes)
  const d = e?.diffStats;
  if (!d) return '';
  if (!d.labelled) return 'Nothing painted yet: the prediction has nothing to disagree with.';
  return `${d.disagree.toLocaleString()} of your ${d.labelled.toLocaleString()} labelled pixels (${((100 * d.disagree) / d.labelled).toFixed(1)} %) disagree with the prediction (magenta).`;
}
