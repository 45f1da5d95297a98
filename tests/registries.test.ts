// The task and strategy registries are complete across runtimes (docs/ARCHITECTURE.md): every task of the
// protocol has its trainer factory (and exported head), its server entry (annotation kinds, accept, prediction check, export
// formats, importer), its web entry (home card and key, class keys that exist in the keymap, Browse
// filters, wording) and its views (labelling page); every strategy has a UI label, serves known tasks, and
// picks on the server or has a trainer producer; every backbone has its words, its own folder and its
// `hilt fetch-model` step. A registry that lacks a part fails here by name.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { taskSchema } from '../common/protocol.ts';
import { SERVER_TASKS, SERVER_TASK_LIST, annotationInput } from '../server/tasks/index.ts';
import { EXPORT_FORMATS } from '../server/export-formats.ts';
import { STRATEGIES } from '../server/strategies.ts';
import { TASKS as TRAINER_TASKS } from '../trainer/tasks/index.ts';
import { PRODUCERS } from '../trainer/suggestions.ts';
import { WEB_TASKS } from '../web/src/tasks/index.ts';
import { ACTIONS } from '../web/src/keys/actions.ts';
import { BACKBONES, DEFAULT_BACKBONE, PRETRAINED_FALLBACK } from '../trainer/backbones/registry.ts';

const NAMES = taskSchema.options;
const missing = (have: object) => NAMES.filter((t) => !Object.hasOwn(have, t));

describe('task registries', () => {
  it('every task has an entry in the trainer, the server and the web app, under its own name', () => {
    expect({ trainer: missing(TRAINER_TASKS), server: missing(SERVER_TASKS), web: missing(WEB_TASKS) }).toEqual({
      trainer: [],
      server: [],
      web: [],
    });
    for (const t of NAMES) {
      expect([TRAINER_TASKS[t].name, SERVER_TASKS[t].name, WEB_TASKS[t].name]).toEqual([t, t, t]);
      // the trainer's: the live loop's task, and its head as an exported ONNX model
      expect(typeof TRAINER_TASKS[t].create, `${t} trainer task`).toBe('function');
      const x = TRAINER_TASKS[t].exported;
      expect([typeof x?.graph, typeof x?.row, typeof x?.outputs], `${t} exported head`).toEqual([
        'function',
        'function',
        'string',
      ]);
      // how an export is validated: a fixed tolerance of its own, or the bound trainer/export-validate.ts derives
      expect(['function', 'undefined'], `${t} exported head's check`).toContain(typeof x?.passed);
    }
  });

  it('the web views register a labelling page for every task (web/src/tasks/views.tsx)', () => {
    // a .tsx of Solid components: read, not imported (tests run without the Solid transform)
    const src = fs.readFileSync('web/src/tasks/views.tsx', 'utf8');
    const body = src.slice(src.indexOf('TASK_VIEWS'));
    for (const t of NAMES) expect(body, `views of ${t}`).toMatch(new RegExp(`\\b${t}: \\{ Page: \\w+`));
  });

  it('a server task has its parts: annotation kinds with a shape each, accept, prediction check, export formats, importer', () => {
    const kinds = SERVER_TASK_LIST.flatMap((t) => [...t.kinds]);
    expect(new Set(kinds).size, 'an annotation kind belongs to one task').toBe(kinds.length);
    for (const t of SERVER_TASK_LIST) {
      expect(t.kinds.length, `${t.name} kinds`).toBeGreaterThan(0);
      expect(t.inputs.length, `${t.name}: one input shape per kind`).toBe(t.kinds.length);
      for (const k of t.kinds)
        expect(
          annotationInput.safeParse({ kind: k }).error?.issues[0]?.message ?? '',
          `${k} is a kind PUT /annotation knows`,
        ).not.toMatch(/^kind must be/);
      for (const f of ['annotation', 'accepted'] as const) expect(typeof t[f], `${t.name}.${f}`).toBe('function');
      expect(typeof t.prediction.owns, `${t.name}.prediction.owns`).toBe('function');
      expect(typeof t.prediction.problem, `${t.name}.prediction.problem`).toBe('function');
      expect(t.prediction.noun, `${t.name}.prediction.noun`).toBeTruthy();
      expect(t.exportFormats.length, `${t.name} export formats`).toBeGreaterThan(0);
      for (const f of t.exportFormats) expect(EXPORT_FORMATS, `${t.name} export ${f}`).toContain(f);
      expect(typeof t.importer.entries, `${t.name}.importer`).toBe('function');
    }
  });

  it('a web task has its parts, and its keys exist in the keymap', () => {
    const ids = new Set(ACTIONS.map((a) => a.id));
    for (const t of Object.values(WEB_TASKS)) {
      expect(t.title && t.text && t.homeKey, `${t.name} home card`).toBeTruthy();
      expect(ids.has(`home.${t.name}`), `home.${t.name} action`).toBe(true);
      for (let d = 0; d <= 9; d++)
        expect(ids.has(t.classAction(d)), `${t.name} class key ${d}: ${t.classAction(d)}`).toBe(true);
      expect(t.browse.states[0]?.id, `${t.name} Browse starts with "all"`).toBe('all');
      expect(
        t.browse.states.every((s) => s.label),
        `${t.name} Browse filters have labels`,
      ).toBe(true);
      expect(
        t.evaluation.headline.label && t.evaluation.words.given && t.evaluation.words.mean,
        `${t.name} evaluation wording`,
      ).toBeTruthy();
    }
    // two tasks never share a home key
    const keys = Object.values(WEB_TASKS).map((t) => t.homeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('strategy registry parts', () => {
  it('every strategy has a UI label, known tasks, and a server pick or a trainer producer', () => {
    const problems: string[] = [];
    for (const s of STRATEGIES) {
      if (!s.label?.trim()) problems.push(`${s.name}: no UI label`);
      if (!s.tasks.length || s.tasks.some((t) => !NAMES.includes(t)))
        problems.push(`${s.name}: tasks ${s.tasks.join(', ')}`);
      if (s.needsTrainer && !Object.hasOwn(PRODUCERS, s.name))
        problems.push(`${s.name}: needs the trainer but has no producer`);
      if (!s.needsTrainer && typeof s.pick !== 'function')
        problems.push(`${s.name}: picks on the server but has no pick`);
    }
    for (const p of Object.keys(PRODUCERS))
      if (!STRATEGIES.some((s) => s.name === p)) problems.push(`producer ${p}: no strategy`);
    expect(problems).toEqual([]);
  });
});

describe('backbone registry parts', () => {
  it('every backbone has a description, a folder of its own and a fetch-model step (trainer/backbones/registry.ts)', () => {
    const problems: string[] = [];
    for (const [name, e] of Object.entries(BACKBONES)) {
      if (!e.description?.trim()) problems.push(`${name}: no description`);
      if (!e.folder || e.folder.startsWith('/') || e.folder.includes('..'))
        problems.push(`${name}: folder ${e.folder}`);
      if (typeof e.fetch !== 'function') problems.push(`${name}: no fetch`);
      if (!e.fetchNote?.trim()) problems.push(`${name}: no fetchNote`);
    }
    const folders = Object.values(BACKBONES).map((e) => e.folder);
    if (new Set(folders).size !== folders.length) problems.push(`two backbones share a folder: ${folders.join(', ')}`);
    for (const n of [DEFAULT_BACKBONE, PRETRAINED_FALLBACK]) if (!BACKBONES[n]) problems.push(`${n}: no entry`);
    expect(problems).toEqual([]);
  });
});
