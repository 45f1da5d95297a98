import { describe, expect, it } from 'vitest';
import { ACTIONS, ACTION_BY_ID } from '../web/src/keys/actions.ts';
import { classByDigit, digitOf } from '../web/src/keys/class-keys.ts';
import {
  canonical,
  display,
  eventToBinding,
  findConflicts,
  loadOverrides,
  remap,
  resolveKeymap,
  saveOverrides,
  toTinykeys,
} from '../web/src/keys/keymap.ts';

const ev = (
  key: string,
  m: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {},
) => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...m });

describe('keymap: parse', () => {
  it('canonicalises modifiers, case and aliases', () => {
    expect(canonical('ctrl+Z')).toBe('Control+z');
    expect(canonical('shift+ctrl+z')).toBe('Control+Shift+z');
    expect(canonical('$mod+y')).toBe('$mod+y');
    expect(canonical('arrowright')).toBe('ArrowRight');
    expect(canonical(' ')).toBe('Space');
    expect(canonical('?')).toBe('?');
    expect(canonical('Shift++')).toBe('Shift++');
  });
  it('rejects modifiers alone, unknown modifiers and sequences', () => {
    expect(canonical('Shift')).toBeNull();
    expect(canonical('Hyper+x')).toBeNull();
    expect(canonical('g g')).toBeNull();
    expect(canonical('')).toBeNull();
  });
  it('turns events into bindings; shifted symbols keep their character only', () => {
    expect(eventToBinding(ev('?', { shiftKey: true }))).toBe('?');
    expect(eventToBinding(ev('Z', { shiftKey: true }))).toBe('Shift+z');
    expect(eventToBinding(ev('z', { ctrlKey: true }))).toBe('Control+z');
    expect(eventToBinding(ev('ArrowUp', { shiftKey: true }))).toBe('Shift+ArrowUp');
    expect(eventToBinding(ev('Shift', { shiftKey: true }))).toBeNull();
  });
  it('matches shifted symbols with or without Shift in tinykeys strings', () => {
    expect(toTinykeys('?')).toEqual(['?', 'Shift+?']);
    expect(toTinykeys('z')).toEqual(['z']);
    expect(toTinykeys('Shift+z')).toEqual(['Shift+z']);
    expect(toTinykeys('[')).toEqual(['[', 'Shift+[']);
    expect(toTinykeys('1')).toEqual(['1']);
    expect(toTinykeys('Control+z')).toEqual(['Control+z']);
  });
  it('displays keys readably', () => {
    expect(display('$mod+z')).toBe('Ctrl+Z');
    expect(display('$mod+z', true)).toBe('⌘+Z');
    expect(display('ArrowRight')).toBe('→');
  });
});

describe('keymap: defaults and remap', () => {
  it('has the default keys', () => {
    const m = resolveKeymap();
    expect(m['classify.label1']).toEqual(['1']);
    expect(m['classify.label9']).toEqual(['9']);
    expect(m['classify.accept']).toEqual(['Enter']);
    expect(m['classify.skip']).toEqual(['s']);
    expect(m['classify.next']).toEqual(['ArrowRight', 'd']);
    expect(m['classify.prev']).toEqual(['ArrowLeft', 'a']);
    expect(m['global.jump']).toEqual(['g']);
    expect(m['classify.undo']).toEqual(['z', '$mod+z']);
    expect(m['segment.brush']).toEqual(['b']);
    expect(m['segment.eraser']).toEqual(['e']);
    expect(m['segment.sizeDown']).toEqual(['[']);
    expect(m['segment.sizeUp']).toEqual([']']);
    expect(m['segment.overlay']).toEqual(['o']);
    expect(m['segment.uncertainty']).toEqual(['u']);
  });
  it('default keymap has no conflicts', () => {
    expect(findConflicts(resolveKeymap())).toEqual([]);
  });
  it('remaps, drops entries equal to the default, and survives storage', () => {
    let o = remap({}, 'classify.skip', ['x']);
    expect(resolveKeymap(o)['classify.skip']).toEqual(['x']);
    o = remap(o, 'classify.skip', ['s']);
    expect(o).toEqual({});
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    };
    saveOverrides(storage, remap({}, 'global.jump', ['j']));
    expect(resolveKeymap(loadOverrides(storage))['global.jump']).toEqual(['j']);
    store.set('hilt.keymap.v1', '{broken');
    expect(loadOverrides(storage)).toEqual({});
  });
  it('finds conflicts within a scope and against global keys, not across pages', () => {
    const c1 = findConflicts(resolveKeymap({ 'classify.skip': ['1'] }));
    expect(c1).toEqual([{ key: '1', actions: ['classify.label1', 'classify.skip'] }]);
    const c2 = findConflicts(resolveKeymap({ 'segment.brush': ['g'] }));
    expect(c2.map((c) => c.actions)).toEqual([['global.jump', 'segment.brush']]);
    // classification and segmentation never run together: same key is fine
    expect(findConflicts(resolveKeymap({ 'classify.skip': ['b'] }))).toEqual([]);
    // a modal panel takes over the keyboard: its keys may shadow global ones
    expect(findConflicts(resolveKeymap({ 'classes.rename': ['g'] }))).toEqual([]);
    // $mod is Control off a Mac
    expect(findConflicts(resolveKeymap({ 'classify.skip': ['Control+z'] })).length).toBe(1);
  });
  it('every action id is unique and every default key is valid', () => {
    expect(Object.keys(ACTION_BY_ID).length).toBe(ACTIONS.length);
    for (const a of ACTIONS) for (const k of a.keys) expect(canonical(k), `${a.id} ${k}`).not.toBeNull();
  });
});

describe('class keys: one class keeps one key in both tasks', () => {
  const cls = ['circle', 'square', 'triangle', 'star'];
  const classification = cls.map((name, i) => ({ id: 10 + i, name }));
  const segmentation = ['background', ...cls].map((name, i) => ({ id: 20 + i, name }));
  const keyFor = (task: 'classify.label' | 'segment.class', classes: { id: number; name: string }[], name: string) =>
    resolveKeymap()[`${task}${digitOf(classes, classes.find((k) => k.name === name)!.id)}`];
  it('names the same key for every class in classification and segmentation; background is 0', () => {
    for (const name of cls)
      expect(keyFor('segment.class', segmentation, name), name).toEqual(keyFor('classify.label', classification, name));
    expect(keyFor('classify.label', classification, 'circle')).toEqual(['1']);
    expect(keyFor('segment.class', segmentation, 'background')).toEqual(['0']);
    expect(classByDigit(segmentation, 0)?.name).toBe('background');
    expect(classByDigit(segmentation, 1)?.name).toBe('circle');
    expect(classByDigit(classification, 0)).toBeUndefined();
    expect(classByDigit(classification, 5)).toBeUndefined();
  });
  it('a tenth class and a second "background" get no digit', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ id: i + 1, name: i === 10 ? 'Background' : `k${i}` }));
    expect(digitOf(many, 9)).toBe(9);
    expect(digitOf(many, 10)).toBeNull();
    expect(digitOf(many, 11)).toBe(0);
    expect(digitOf([...many, { id: 12, name: 'background' }], 12)).toBeNull();
  });
  it('fits the image on v now that 0 paints the background, with no conflict', () => {
    expect(resolveKeymap()['segment.zoomFit']).toEqual(['v']);
    expect(findConflicts(resolveKeymap())).toEqual([]);
  });
});
