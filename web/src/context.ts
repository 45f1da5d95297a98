// The app's stores, created once in main.tsx and read by pages and components through useApp().
import { createContext, createSignal, useContext } from 'solid-js';
import type { Router } from './router.ts';
import type { Socket } from './socket.ts';
import type { Keys } from './keys/bind.ts';
import type { SessionStore } from './stores/session.ts';
import type { Prefs } from './stores/prefs.ts';
import type { Identity } from './stores/identity.ts';
import type { StrategyStore } from './stores/strategy.ts';

export function createUi() {
  const [help, setHelp] = createSignal(false);
  const [classes, setClasses] = createSignal(false);
  const [jump, setJump] = createSignal(false);
  /** the image in the labelling view (the header shows it) */
  const [imageId, setImageId] = createSignal<number | null>(null);
  const [position, setPosition] = createSignal<{ index: number; total: number } | null>(null);
  const [toasts, setToasts] = createSignal<{ id: number; text: string; tone: 'info' | 'error' }[]>([]);
  let n = 0;
  /** a short message in the corner; errors stay longer */
  const notify = (text: string, tone: 'info' | 'error' = 'info') => {
    const id = ++n;
    setToasts((t) => [...t.slice(-3), { id, text, tone }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), tone === 'error' ? 8000 : 3000);
  };
  return {
    help,
    setHelp,
    classes,
    setClasses,
    jump,
    setJump,
    imageId,
    setImageId,
    position,
    setPosition,
    toasts,
    notify,
  };
}
export type Ui = ReturnType<typeof createUi>;

export interface AppCtx {
  router: Router;
  socket: Socket;
  keys: Keys;
  session: SessionStore;
  prefs: Prefs;
  ui: Ui;
  identity: Identity;
  strategy: StrategyStore;
}

export const AppContext = createContext<AppCtx>();
export function useApp(): AppCtx {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('useApp outside <AppContext.Provider>');
  return ctx;
}
