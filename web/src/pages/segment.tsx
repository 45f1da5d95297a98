// Segmentation: canvas with tools (incl. the superpixel brush), your mask and the refined prediction each in
// its own style, heat-map and disagreement views; saved on leaving and every few seconds. No live-accuracy widget here. Data + view; the side panel is in seg-panel.tsx.
import { Show, createEffect, createSignal, on, onCleanup } from 'solid-js';
import { createLabelling } from '../stores/labelling.ts';
import { segmentation } from '../tasks/segmentation.ts';
import { createSegmenter } from '../stores/segmenter.ts';
import { createSuperpixelStore } from '../seg/superpixel-store.ts';
import { SegCanvas } from '../components/seg-canvas.tsx';
import { SegPanel } from '../components/seg-panel.tsx';
import type { SegEditor, Tool } from '../seg/editor.ts';
import type { Prediction, SegmentationPrediction } from '../types.ts';
import { staleNote } from '../lib/prediction-note.ts';
import { classByDigit } from '../keys/class-keys.ts';

/** below this mean top-1 confidence, Enter asks twice before it accepts the map */
const UNSURE = 0.5;

export function SegmentPage() {
  const { nav, cache, app } = createLabelling(segmentation);
  const { session, keys, prefs, ui } = app;
  const seg = createSegmenter({
    session: () => session.info()?.name ?? '',
    cache,
    notify: ui.notify,
    onSaved: (id, done) => nav.markDone(id, done),
  });
  onCleanup(() => seg.dispose());
  const [ed, setEd] = createSignal<SegEditor | null>(null);
  const [tool, setTool] = createSignal<Tool>('brush');
  const [classId, setClassId] = createSignal(0);
  const [heat, setHeat] = createSignal(false);
  // what is drawn: both overlays hidden, or only the disagreement; superpixel brush on/off
  const [hideAll, setHideAll] = createSignal(false);
  const [diffOnly, setDiffOnly] = createSignal(false);
  const [snap, setSnap] = createSignal(false);
  const [spState, setSpState] = createSignal<'off' | 'computing' | 'ready' | 'error'>('off');
  const superpixels = createSuperpixelStore();
  onCleanup(() => superpixels.dispose());
  const [tick, setTick] = createSignal(0); // undo/redo availability changes
  const classes = () => session.classes();
  const prediction = () => {
    const p = nav.entry()?.meta.prediction;
    return p && 'map' in p ? (p as SegmentationPrediction & Pick<Prediction, 'modelVersion'>) : null;
  };

  // default class: the first; keep the choice while it exists
  createEffect(() => {
    const ks = classes();
    if (!ks.some((k) => k.id === classId())) setClassId(ks[0]?.id ?? 0);
  });
  createEffect(() => {
    const e = ed();
    if (!e) return;
    e.tool = tool();
    e.classId = classId();
    e.brush = prefs.brush();
    e.overlayOn = prefs.overlay();
    e.opacity = prefs.opacity();
    e.heatOn = heat();
    e.maskOpacity = prefs.maskOpacity();
    e.hideAll = hideAll();
    e.diffOnly = diffOnly();
    e.snap = snap();
    e.requestRender();
  });
  // superpixels of the image in view, computed once (in a worker) while the superpixel brush is on
  createEffect(
    on([nav.entry, ed, snap] as const, ([entry, e, on_]) => {
      if (!entry || !e || !on_) {
        setSpState(on_ ? 'computing' : 'off');
        return;
      }
      if (e.superpixels && e.state?.id === entry.id) {
        setSpState('ready');
        return;
      }
      setSpState('computing');
      const { width, height } = entry.meta.image;
      superpixels.get(entry.id, entry.img, width, height).then(
        (sp) => {
          e.setSuperpixels(entry.id, sp);
          if (nav.entry()?.id === entry.id) setSpState('ready');
        },
        (err) => {
          setSpState('error');
          ui.notify(`Superpixels for image #${entry.id}: ${(err as Error).message}`, 'error');
        },
      );
    }),
  );
  createEffect(() => {
    ed()?.setColors(classes());
  });
  // the disagreement count shown is the one last drawn; the region tool's clicks
  createEffect(() => {
    const e = ed();
    if (!e) return;
    e.onDiff = () => setTick((n) => n + 1);
    e.onRegion = (x, y) => recolour(x, y, classId());
  });

  // a new image: save the one we leave, load (or resume) the next
  createEffect(
    on([nav.entry, ed] as const, ([entry, e]) => {
      if (!entry || !e) return;
      if (e.state?.id !== entry.id) {
        if (e.state?.dirty) void seg.save(e.state);
        e.setImage(seg.stateFor(entry), entry.img);
        setTick((n) => n + 1);
      }
      e.setPrediction(prediction());
      setTick((n) => n + 1);
    }),
  );
  createEffect(
    on(
      session.resets,
      () => {
        seg.forget();
        const e = ed();
        if (e) e.state = null;
      },
      { defer: true },
    ),
  );

  const act = (fn: (e: SegEditor) => unknown) => () => {
    const e = ed();
    if (e?.state) {
      fn(e);
      setTick((n) => n + 1);
    }
  };
  const leave = (dir: 1 | -1) => () =>
    nav.move(dir, () => {
      const s = ed()?.state;
      if (s?.dirty) void seg.save(s);
    });
  const size = (k: number) =>
    prefs.setBrush(
      Math.max(1, Math.min(400, Math.round(prefs.brush() * k) || (k > 1 ? prefs.brush() + 1 : prefs.brush() - 1))),
    );
  const className = (id: number) => classes().find((k) => k.id === id)?.name ?? `class ${id}`;
  /** the region tool: recolour the predicted region at image point (x, y) with class `id`, and say so */
  const recolour = (x: number, y: number, id: number) => {
    const e = ed();
    if (!e?.state) return;
    if (!e.hasPrediction) {
      ui.notify('There is no predicted map for this image yet.');
      return;
    }
    const r = e.recolourAt(x, y, id);
    if (r) {
      setTick((n) => n + 1);
      ui.notify(
        `recoloured ${r.pixels.toLocaleString('en-US')} px predicted ${r.from ? className(r.from) : 'unlabelled'} as ${className(id)} (${keys.hint('segment.undo')} undoes)`,
      );
    }
  };
  const pick = (d: number) => () => {
    const k = classByDigit(classes(), d);
    if (!k) return;
    setClassId(k.id);
    if (tool() === 'eraser') setTool('brush');
    // the region tool with the pointer on the image: the key recolours the region under it
    const e = ed();
    if (tool() === 'region' && e?.cursor) {
      const q = e.toImagePoint(e.cursor);
      recolour(q.x, q.y, k.id);
    }
  };
  /** Enter on a very uncertain map asks once more (a second Enter within a few seconds accepts) */
  let askedAt = { id: -1, t: 0 };
  const accept = (e: SegEditor) => {
    const sum = e.predictionSummary();
    if (!sum) {
      ui.notify('There is no predicted map for this image yet.');
      return;
    }
    const id = e.state!.id;
    if (sum.meanConfidence < UNSURE && !(askedAt.id === id && Date.now() - askedAt.t < 6000)) {
      askedAt = { id, t: Date.now() };
      ui.notify(
        `This map is very uncertain (mean confidence ${Math.round(sum.meanConfidence * 100)} %): check it, then press ${keys.hint('segment.accept')} again to use it.`,
        'error',
      );
      return;
    }
    askedAt = { id: -1, t: 0 };
    e.acceptPrediction();
  };
  const undone = (what: 'undone' | 'redone', ok: boolean, e: SegEditor) =>
    ui.notify(ok ? `${what}: ${e.state?.history.last ?? 'edit'}` : `nothing to ${what === 'undone' ? 'undo' : 'redo'}`);
  const pan = (dx: number, dy: number) => act((e) => e.pan(dx, dy));
  keys.use(
    'segment',
    {
      ...Object.fromEntries(Array.from({ length: 10 }, (_, d) => [`class${d}`, pick(d)])),
      accept: act((e) => {
        if (e.polygon.length) e.closePolygon();
        else accept(e);
      }),
      // the strategy asks the server, which must know this image is annotated first
      advance: () =>
        nav.queue(async () => {
          const s = ed()?.state;
          if (s?.dirty) await seg.save(s);
          await nav.advance();
        }),
      next: leave(1),
      prev: leave(-1),
      undo: act((e) => undone('undone', e.undo(), e)),
      redo: act((e) => undone('redone', e.redo(), e)),
      region: () => setTool('region'),
      brush: () => setTool('brush'),
      eraser: () => setTool('eraser'),
      point: () => setTool('point'),
      polygon: () => setTool('polygon'),
      superpixel: () => {
        const on_ = !snap();
        setSnap(on_);
        if (on_ && tool() !== 'eraser') setTool('brush');
      },
      hide: () => setHideAll(!hideAll()),
      diff: () => {
        setDiffOnly(!diffOnly());
        setHideAll(false);
      },
      maskOpacityDown: () => prefs.setMaskOpacity(Math.max(0, Math.round((prefs.maskOpacity() - 0.1) * 10) / 10)),
      maskOpacityUp: () => prefs.setMaskOpacity(Math.min(1, Math.round((prefs.maskOpacity() + 0.1) * 10) / 10)),
      sizeDown: () => size(1 / 1.25),
      sizeUp: () => size(1.25),
      overlay: () => prefs.setOverlay(!prefs.overlay()),
      uncertainty: () => setHeat(!heat()),
      opacityDown: () => prefs.setOpacity(Math.max(0, Math.round((prefs.opacity() - 0.1) * 10) / 10)),
      opacityUp: () => prefs.setOpacity(Math.min(1, Math.round((prefs.opacity() + 0.1) * 10) / 10)),
      zoomIn: act((e) => e.zoom(1.25)),
      zoomOut: act((e) => e.zoom(0.8)),
      zoomFit: act((e) => e.fit()),
      panLeft: pan(60, 0),
      panRight: pan(-60, 0),
      panUp: pan(0, 60),
      panDown: pan(0, -60),
      clear: act((e) => e.clear()),
    },
    () => {
      const e = ed();
      if (e?.polygon.length) {
        e.polygon = [];
        e.requestRender();
      }
    },
  );

  return (
    <div class="labelling">
      <div class="stage-wrap">
        <div class="stage seg-stage" data-testid="stage" data-image-id={nav.entry()?.id ?? ''}>
          <SegCanvas
            onReady={setEd}
            onEdit={(k) => {
              const s = ed()?.state;
              if (s) seg.edited(s, k);
              if (k === 'done') setTick((n) => n + 1);
            }}
            cursor={tool() === 'point' || tool() === 'polygon' ? 'crosshair' : tool() === 'region' ? 'cell' : 'none'}
          />
          <Show when={nav.status().kind !== 'ready' && nav.status().kind !== 'idle'}>
            <div class={`stage-note ${nav.status().kind}`} data-testid="stage-note">
              {nav.status().kind === 'loading' ? 'Loading…' : (nav.status() as { message: string }).message}
            </div>
          </Show>
        </div>
        <div class="stage-caption">
          <span data-testid="save-state" class={`save-state save-${seg.status()}`}>
            {
              {
                idle: '',
                saved: 'all changes saved',
                saving: 'saving…',
                unsaved: 'unsaved changes',
                error: 'not saved — kept locally, retrying',
              }[seg.status()]
            }
          </span>
          <Show when={nav.why()}>
            <span class="pick-why small" data-testid="pick-why" title="why the next-image strategy picked this image">
              {nav.why()}
            </span>
          </Show>
          <span class="muted small">
            {nav.entry()?.meta.image.name}
            {nav.entry() ? ` · ${nav.entry()!.meta.image.width}×${nav.entry()!.meta.image.height}` : ''}
          </span>
          <span class="muted small">
            wheel zoom · Space/right-drag pan · <kbd>?</kbd> all keys
          </span>
        </div>
      </div>
      <SegPanel
        tool={tool()}
        setTool={setTool}
        classId={classId()}
        setClassId={setClassId}
        heat={heat()}
        setHeat={setHeat}
        view={{
          hideAll: hideAll(),
          setHideAll,
          diffOnly: diffOnly(),
          setDiffOnly,
          snap: snap(),
          setSnap,
          superpixels: spState(),
        }}
        hasPrediction={!!prediction()}
        onAccept={accept}
        modelVersion={prediction()?.modelVersion}
        stale={staleNote(prediction(), session.trainer())}
        reason={nav.reason()}
        editor={ed()}
        tick={tick()}
      />
    </div>
  );
}
