// The import graph flows one way (docs/ARCHITECTURE.md): no circle of modules, type-only imports included,
// across common/, server/, trainer/, web/src/, scripts/ and bench/. The runtimes share code only through
// common/ (the protocol, the split, the delta codec, the refinement, reading an imported file): none imports
// another's code, types aside, but the CLI's commands that start the trainer's; common/ imports only itself.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOTS = ['common', 'server', 'trainer', 'web/src', 'scripts', 'bench'];

function sources(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name)) out.push(p);
    }
  };
  ROOTS.forEach(walk);
  return out;
}

/** file → the relative imports it makes (static, re-exports, dynamic), with whether each is type-only */
function graph(files: string[]): Map<string, { to: string; typeOnly: boolean }[]> {
  const g = new Map<string, { to: string; typeOnly: boolean }[]>();
  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    const deps: { to: string; typeOnly: boolean }[] = [];
    for (const m of src.matchAll(
      /(import|export)(\s+type)?\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g,
    )) {
      const spec = m[3] ?? m[4];
      const p = path.normalize(path.join(path.dirname(f), spec));
      if (fs.existsSync(p)) deps.push({ to: p, typeOnly: !!m[2] });
    }
    g.set(f, deps);
  }
  return g;
}

/** Strongly connected components with more than one file (Tarjan). */
function circles(g: Map<string, { to: string }[]>): string[][] {
  let n = 0;
  const index = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    on = new Set<string>(),
    out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, n);
    low.set(v, n);
    n++;
    stack.push(v);
    on.add(v);
    for (const { to } of g.get(v) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (on.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const f of g.keys()) if (!index.has(f)) visit(f);
  return out;
}

const RUNTIMES = ['server', 'trainer', 'web'];
/** the commands of the one CLI (server/cli.ts) that start, build or run the trainer's parts */
const CLI = new Set(['server/cli.ts', 'server/commands.ts', 'server/export-onnx.ts'].map((f) => path.normalize(f)));
const runtimeOf = (f: string) => RUNTIMES.find((r) => f.startsWith(r + '/') || f.startsWith(r + path.sep)) ?? null;

/** imports of code (not types) from one runtime's folder into another's */
function crossings(g: Map<string, { to: string; typeOnly: boolean }[]>): string[] {
  return [...g].flatMap(([f, deps]) => {
    const from = runtimeOf(f);
    if (!from || CLI.has(path.normalize(f))) return [];
    return deps.filter((d) => !d.typeOnly && runtimeOf(d.to) && runtimeOf(d.to) !== from).map((d) => `${f} → ${d.to}`);
  });
}

describe('architecture', () => {
  const g = graph(sources());
  it('has no import circles', () => {
    expect(g.size).toBeGreaterThan(100);
    expect(circles(g)).toEqual([]);
  });
  it('finds a circle when there is one (the checker itself can fail)', () => {
    expect(
      circles(
        new Map([
          ['a', [{ to: 'b' }]],
          ['b', [{ to: 'c' }]],
          ['c', [{ to: 'a' }]],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
  });
  it("server/, trainer/ and web/ share code only through common/ (types aside; the CLI starts the trainer's commands)", () => {
    expect(crossings(g)).toEqual([]);
  });
  it('common/ imports nothing outside common/', () => {
    const bad = [...g].flatMap(([f, deps]) =>
      f.startsWith('common') ? deps.filter((d) => !d.to.startsWith('common')).map((d) => `${f} → ${d.to}`) : [],
    );
    expect(bad).toEqual([]);
  });
  it('finds a crossing when there is one', () => {
    expect(
      crossings(
        new Map([
          [
            'server/a.ts',
            [
              { to: 'trainer/b.ts', typeOnly: false },
              { to: 'trainer/c.ts', typeOnly: true },
              { to: 'common/d.ts', typeOnly: false },
            ],
          ],
        ]),
      ),
    ).toEqual(['server/a.ts → trainer/b.ts']);
  });
});
