// Per-browser preferences (localStorage): next-image strategy, live-accuracy window, brush, and the
// opacities of the prediction and of your mask.
import { createSignal, type Accessor } from 'solid-js';
import type { Strategy } from '../types.ts';

function persisted<T>(key: string, initial: T, valid: (v: unknown) => boolean): [Accessor<T>, (v: T) => void] {
  let start = initial;
  try {
    const raw = localStorage.getItem('hilt.' + key);
    if (raw !== null) {
      const v = JSON.parse(raw);
      if (valid(v)) start = v as T;
    }
  } catch {
    /* unavailable or corrupt: defaults */
  }
  const [get, set] = createSignal<T>(start);
  return [
    get,
    (v: T) => {
      set(() => v);
      try {
        localStorage.setItem('hilt.' + key, JSON.stringify(v));
      } catch {
        /* full */
      }
    },
  ];
}

const num = (lo: number, hi: number) => (v: unknown) => typeof v === 'number' && v >= lo && v <= hi;

export function createPrefs() {
  // null: never chosen in this browser; the session's default applies (stores/strategy.ts)
  const [strategy, setStrategy] = persisted<Strategy | null>('strategy', null, (v) => typeof v === 'string');
  const [strategyClass, setStrategyClass] = persisted<number | null>(
    'strategyClass',
    null,
    (v) => v === null || typeof v === 'number',
  );
  const [liveWindow, setLiveWindow] = persisted('liveWindow', 50, num(5, 1000));
  const [brush, setBrush] = persisted('brush', 12, num(1, 400));
  const [opacity, setOpacity] = persisted('opacity', 0.6, num(0, 1));
  const [maskOpacity, setMaskOpacity] = persisted('maskOpacity', 0.3, num(0, 1));
  const [overlay, setOverlay] = persisted('overlay', true, (v) => typeof v === 'boolean');
  return {
    strategy,
    setStrategy,
    strategyClass,
    setStrategyClass,
    liveWindow,
    setLiveWindow,
    brush,
    setBrush,
    opacity,
    setOpacity,
    maskOpacity,
    setMaskOpacity,
    overlay,
    setOverlay,
  };
}
export type Prefs = ReturnType<typeof createPrefs>;
