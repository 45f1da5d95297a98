// Key bindings as data: canonical form, display, event → binding, user overrides and conflicts.
// DOM-free so it is unit-tested under Node; web/src/keys/bind.ts wires it to tinykeys.
import { ACTIONS, SCOPES, type ActionDef, type Scope } from './actions.ts';

export type Keymap = Record<string, string[]>;
export type Overrides = Record<string, string[]>;

const MOD_ORDER = ['$mod', 'Control', 'Meta', 'Alt', 'Shift'];
const MOD_ALIASES: Record<string, string> = {
  $mod: '$mod',
  mod: '$mod',
  ctrl: 'Control',
  control: 'Control',
  meta: 'Meta',
  cmd: 'Meta',
  alt: 'Alt',
  option: 'Alt',
  shift: 'Shift',
};
const KNOWN = [
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'ArrowDown',
  'Enter',
  'Escape',
  'Delete',
  'Backspace',
  'Tab',
  'Space',
  'Home',
  'End',
  'PageUp',
  'PageDown',
  'Insert',
  ...Array.from({ length: 12 }, (_, i) => `F${i + 1}`),
];
const NAMED: Record<string, string> = {
  ...Object.fromEntries(KNOWN.map((k) => [k.toLowerCase(), k])),
  ' ': 'Space',
  esc: 'Escape',
  del: 'Delete',
  left: 'ArrowLeft',
  right: 'ArrowRight',
  up: 'ArrowUp',
  down: 'ArrowDown',
  return: 'Enter',
};

/** Canonical form of a binding ("ctrl+Z" → "Control+z"); null when it is not a valid single press. */
export function canonical(binding: string): string | null {
  if (binding === ' ') return 'Space';
  const s = binding.trim();
  if (!s || /\s/.test(s)) return null;
  // "+" as the key itself: "Shift++" or "+"
  const parts = s === '+' ? ['+'] : s.endsWith('++') ? [...s.slice(0, -2).split('+'), '+'] : s.split('+');
  const rawKey = parts.pop()!;
  if (!rawKey) return null;
  const mods = new Set<string>();
  for (const p of parts) {
    const m = MOD_ALIASES[p.toLowerCase()] ?? (MOD_ORDER.includes(p) ? p : null);
    if (!m) return null;
    mods.add(m);
  }
  let key = NAMED[rawKey.toLowerCase()] ?? rawKey;
  if (key.length === 1) key = key.toLowerCase();
  else if (/^[a-z]/.test(key)) key = key[0].toUpperCase() + key.slice(1);
  if (MOD_ORDER.includes(key) || MOD_ALIASES[key.toLowerCase()]) return null; // a modifier alone is no binding
  return [...MOD_ORDER.filter((m) => mods.has(m)), key].join('+');
}

/** The binding a keydown event stands for (for capturing a new key in settings). */
export function eventToBinding(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}): string | null {
  if (['Control', 'Meta', 'Alt', 'Shift', 'AltGraph', 'CapsLock', 'Dead', 'Unidentified'].includes(e.key)) return null;
  const mods: string[] = [];
  if (e.ctrlKey) mods.push('Control');
  if (e.metaKey) mods.push('Meta');
  if (e.altKey) mods.push('Alt');
  // "?" already says Shift; only letters and named keys keep it
  const printable = e.key.length === 1;
  const isLetter = /^[a-z]$/i.test(e.key);
  if (e.shiftKey && (!printable || isLetter)) mods.push('Shift');
  return canonical([...mods, e.key === ' ' ? 'Space' : e.key].join('+'));
}

/** The strings tinykeys understands for a binding: a shifted symbol matches with or without Shift held
 * ("?" → ["?", "Shift+?"]), since tinykeys matches modifiers exactly. */
export function toTinykeys(binding: string): string[] {
  const c = canonical(binding);
  if (!c) throw new Error(`invalid binding "${binding}"`);
  const parts = c === '+' ? ['+'] : c.endsWith('++') ? [...c.slice(0, -2).split('+'), '+'] : c.split('+');
  const key = parts.pop()!;
  const plain = [...parts, key].join('+');
  const optShift = key.length === 1 && !/^[a-z0-9]$/.test(key) && !parts.includes('Shift');
  return optShift ? [plain, [...parts, 'Shift', key].join('+')] : [plain];
}

/** Human label: "$mod+z" → "Ctrl+Z" (⌘ on a Mac), "ArrowRight" → "→". */
export function display(binding: string, mac = false): string {
  const c = canonical(binding) ?? binding;
  const parts = c === '+' ? ['+'] : c.endsWith('++') ? [...c.slice(0, -2).split('+'), '+'] : c.split('+');
  const names: Record<string, string> = {
    $mod: mac ? '⌘' : 'Ctrl',
    Control: 'Ctrl',
    Meta: mac ? '⌘' : 'Meta',
    Alt: mac ? '⌥' : 'Alt',
    Shift: 'Shift',
    ArrowLeft: '←',
    ArrowRight: '→',
    ArrowUp: '↑',
    ArrowDown: '↓',
    Enter: 'Enter',
    Escape: 'Esc',
    Delete: 'Del',
    Backspace: '⌫',
    Space: 'Space',
  };
  return parts.map((p) => names[p] ?? (p.length === 1 ? p.toUpperCase() : p)).join('+');
}

/** Defaults with the user's overrides applied (unknown action ids and invalid keys are dropped). */
export function resolveKeymap(overrides: Overrides = {}, actions: ActionDef[] = ACTIONS): Keymap {
  const map: Keymap = {};
  for (const act of actions) {
    const keys = Object.hasOwn(overrides, act.id) ? overrides[act.id] : act.keys;
    map[act.id] = [...new Set(keys.map(canonical).filter((k): k is string => !!k))];
  }
  return map;
}

/** Two scopes can clash when both can be active at once: same scope, or global with a non-modal one. */
function overlap(a: Scope, b: Scope): boolean {
  if (a === b) return true;
  if (a === 'global') return !SCOPES[b].modal;
  if (b === 'global') return !SCOPES[a].modal;
  return false;
}

/** Platform-neutral comparison key: $mod means Control here (Meta on a Mac). */
function cmpKey(binding: string, mac: boolean): string {
  return binding
    .replace('$mod', mac ? 'Meta' : 'Control')
    .split('+')
    .sort()
    .join('+');
}

export interface Conflict {
  key: string;
  actions: [string, string];
}

/** Every pair of actions that share a key while both can be active. */
export function findConflicts(map: Keymap, actions: ActionDef[] = ACTIONS, mac = false): Conflict[] {
  const out: Conflict[] = [];
  const list = actions.flatMap((act) => (map[act.id] ?? []).map((k) => ({ act, k, cmp: cmpKey(k, mac) })));
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const x = list[i],
        y = list[j];
      if (x.act.id !== y.act.id && x.cmp === y.cmp && overlap(x.act.scope, y.act.scope))
        out.push({ key: x.k, actions: [x.act.id, y.act.id] });
    }
  }
  return out;
}

/** Add a key to an action: returns the new overrides (only actions that differ from the default). */
export function remap(
  overrides: Overrides,
  actionId: string,
  keys: string[],
  actions: ActionDef[] = ACTIONS,
): Overrides {
  const act = actions.find((x) => x.id === actionId);
  if (!act) throw new Error(`unknown action ${actionId}`);
  const clean = [...new Set(keys.map(canonical).filter((k): k is string => !!k))];
  const next = { ...overrides };
  const same = clean.length === act.keys.length && clean.every((k, i) => k === canonical(act.keys[i]));
  if (same) delete next[actionId];
  else next[actionId] = clean;
  return next;
}

const STORAGE_KEY = 'hilt.keymap.v1';
export function loadOverrides(storage: Pick<Storage, 'getItem'> | undefined): Overrides {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    const v = raw ? JSON.parse(raw) : {};
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(
      Object.entries(v).filter(([, keys]) => Array.isArray(keys) && keys.every((k) => typeof k === 'string')),
    ) as Overrides;
  } catch {
    return {};
  }
}
export function saveOverrides(storage: Pick<Storage, 'setItem'> | undefined, o: Overrides): void {
  storage?.setItem(STORAGE_KEY, JSON.stringify(o));
}
