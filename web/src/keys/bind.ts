// Wires the keymap to the DOM: one window keydown listener (tinykeys) dispatching to the handlers of
// the scopes currently mounted. A modal scope (classes panel, confirmation) shadows the others while
// open. Keys never fire while typing in a text field; Escape there just leaves the field.
import { createMemo, createSignal, onCleanup, createEffect, getOwner, type Accessor } from 'solid-js';
import { createKeybindingsHandler } from 'tinykeys';
import { ACTIONS, ACTION_BY_ID, SCOPES, type Scope } from './actions.ts';
import {
  display,
  loadOverrides,
  resolveKeymap,
  saveOverrides,
  toTinykeys,
  type Keymap,
  type Overrides,
} from './keymap.ts';
import { isTyping, isActivatable } from './dom.ts';
import { scrollByKey } from './scroll.ts';

type Handler = (e: KeyboardEvent) => void;
interface Reg {
  scope: Scope;
  handlers: Record<string, Handler>;
  escape?: () => void;
}

export interface Keys {
  keymap: Accessor<Keymap>;
  overrides: Accessor<Overrides>;
  setOverrides(o: Overrides): void;
  /** handlers by action id (without the scope prefix) for this component's lifetime */
  use(scope: Scope, handlers: Record<string, Handler>, escape?: () => void): void;
  /** the next key press goes to `fn` instead of the keymap (settings: record a key) */
  capture(fn: ((e: KeyboardEvent) => void) | null): void;
  /** first key of an action for hints, e.g. "1" or "Ctrl+Z" */
  hint(actionId: string): string;
}

const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

export function createKeys(): Keys {
  const storage = (() => {
    try {
      return localStorage;
    } catch {
      return undefined;
    }
  })();
  const [overrides, setOv] = createSignal<Overrides>(loadOverrides(storage));
  const keymap = createMemo(() => resolveKeymap(overrides()));
  const [regs, setRegs] = createSignal<Reg[]>([]);
  let capturing: ((e: KeyboardEvent) => void) | null = null;

  function candidates(): Reg[] {
    const list = [...regs()].reverse();
    const modal = list.find((r) => SCOPES[r.scope].modal);
    return modal ? [modal] : list;
  }

  function dispatch(binding: string, e: KeyboardEvent) {
    if (e.defaultPrevented || capturing || isTyping(e.target) || e.isComposing) return;
    if ((e.key === 'Enter' || e.key === ' ') && isActivatable(document.activeElement)) return;
    const map = keymap();
    for (const reg of candidates()) {
      for (const [name, fn] of Object.entries(reg.handlers)) {
        const id = `${reg.scope}.${name}`;
        if (!map[id]?.includes(binding)) continue;
        e.preventDefault();
        if (e.repeat && !ACTION_BY_ID[id]?.repeat) return;
        fn(e);
        return;
      }
    }
  }

  let handler: EventListener = () => {};
  createEffect(() => {
    const map = keymap();
    const table: Record<string, Handler> = {};
    for (const keys of Object.values(map))
      for (const k of keys) for (const t of toTinykeys(k)) table[t] = (e) => dispatch(k, e);
    handler = createKeybindingsHandler(table);
  });
  // one listener: the keymap first, then scrolling for the keys no action took
  window.addEventListener('keydown', (e) => {
    handler(e);
    if (e.defaultPrevented || capturing || isTyping(e.target) || e.isComposing) return;
    const active = document.activeElement;
    if (active && active !== document.body && (active.matches('select') || (e.key === ' ' && isActivatable(active))))
      return;
    scrollByKey(e);
  });

  // fixed keys: Escape closes the top-most thing; typing fields let go of focus
  window.addEventListener(
    'keydown',
    (e) => {
      if (capturing) {
        e.preventDefault();
        e.stopImmediatePropagation();
        const fn = capturing;
        fn(e);
        return;
      }
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      const active = document.activeElement as HTMLElement | null;
      if (isTyping(e.target) || (active && active !== document.body && active.tagName !== 'CANVAS')) active?.blur();
      const top = [...regs()].reverse().find((r) => r.escape);
      if (top?.escape) {
        e.preventDefault();
        top.escape();
      }
    },
    { capture: true },
  );

  return {
    keymap,
    overrides,
    setOverrides(o) {
      setOv(o);
      saveOverrides(storage, o);
    },
    use(scope, handlers, escape) {
      const reg: Reg = { scope, handlers, escape };
      setRegs((r) => [...r, reg]);
      if (getOwner()) onCleanup(() => setRegs((r) => r.filter((x) => x !== reg)));
    },
    capture(fn) {
      capturing = fn;
    },
    hint(actionId) {
      const k = keymap()[actionId]?.[0];
      return k ? display(k, mac) : '';
    },
  };
}

export { ACTIONS, SCOPES, display, mac };
