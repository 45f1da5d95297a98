// The import graph flows one way (DESIGN §9, docs/ARCHITECTURE.md): no circle of modules, type-only imports
// included, across server/, trainer/, web/src/, scripts/ and bench/; and the browser imports nothing from
// the Node runtimes but types and the one protocol file.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOTS = ['server', 'trainer', 'web/src', 'scripts', 'bench'];

function sources(): string[] {
  const out: string[] = [];
  const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (/\.tsx?$/.test(e.name)) out.push(p); } };
  ROOTS.forEach(walk);
  return out;
}

/** file → the relative imports it makes (static, re-exports, dynamic), with whether each is type-only */
function graph(files: string[]): Map<string, { to: string; typeOnly: boolean }[]> {
  const g = new Map<string, { to: string; typeOnly: boolean }[]>();
  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    const deps: { to: string; typeOnly: boolean }[] = [];
    for (const m of src.matchAll(/(import|export)(\s+type)?\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
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
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>(), out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, n); low.set(v, n); n++; stack.push(v); on.add(v);
    for (const { to } of g.get(v) ?? []) {
      if (!index.has(to)) { visit(to); low.set(v, Math.min(low.get(v)!, low.get(to)!)); } else if (on.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) { const c: string[] = []; let w: string; do { w = stack.pop()!; on.delete(w); c.push(w); } while (w !== v); if (c.length > 1) out.push(c.sort()); }
  };
  for (const f of g.keys()) if (!index.has(f)) visit(f);
  return out;
}

describe('architecture', () => {
  const g = graph(sources());
  it('has no import circles', () => {
    expect(g.size).toBeGreaterThan(100);
    expect(circles(g)).toEqual([]);
  });
  it('finds a circle when there is one (the checker itself can fail)', () => {
    expect(circles(new Map([['a', [{ to: 'b' }]], ['b', [{ to: 'c' }]], ['c', [{ to: 'a' }]]]))).toEqual([['a', 'b', 'c']]);
  });
  it('the browser imports from server/ and trainer/ only types, and the protocol (server/protocol.ts)', () => {
    const bad = [...g].flatMap(([f, deps]) => (f.startsWith('web') ? deps.filter((d) => !d.typeOnly && /^(server|trainer)\//.test(d.to) && d.to !== path.normalize('server/protocol.ts')).map((d) => `${f} → ${d.to}`) : []));
    expect(bad).toEqual([]);
  });
});
