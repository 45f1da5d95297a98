// Checks every relative link in README.md and docs/**/*.md: the file it names exists and, for `#anchor`,
// the target has a heading with that GitHub slug. `npx tsx scripts/check-doc-links.ts` prints the broken
// ones and exits 1 if there are any.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface BrokenLink {
  file: string;
  line: number;
  link: string;
  reason: string;
}

/** GitHub's heading anchor: lower case, markup and punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a markdown file's headings (a repeated heading gets -1, -2, … as on GitHub). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>(),
    out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const s = slug(m[1]),
      n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    out.add(n ? `${s}-${n}` : s);
  }
  return out;
}

/** Links `[text](target)` and images `![alt](target)` outside code, with their line numbers. */
export function links(markdown: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const text = line.replace(/`[^`]*`/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) out.push({ line: i + 1, target: m[1] });
  });
  // a link may wrap: `[text\nmore](target)` keeps its target on the second line, which the scan above sees
  return out;
}

function markdownFiles(root: string): string[] {
  const docs = join(root, 'docs');
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.md') ? [p] : [];
    });
  return [join(root, 'README.md'), ...(existsSync(docs) ? walk(docs) : [])];
}

export function checkDocLinks(root = process.cwd()): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const file of markdownFiles(root)) {
    const text = readFileSync(file, 'utf8');
    for (const { line, target } of links(text)) {
      if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const dest = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
      const where = { file: relative(root, file), line, link: target };
      if (!existsSync(dest)) {
        broken.push({ ...where, reason: 'no such file' });
        continue;
      }
      if (anchor !== undefined && !anchors(readFileSync(dest, 'utf8')).has(anchor)) {
        broken.push({ ...where, reason: `no heading #${anchor} in ${relative(root, dest)}` });
      }
    }
  }
  return broken;
}

if (process.argv[1]?.endsWith('check-doc-links.ts')) {
  const broken = checkDocLinks();
  for (const b of broken) console.log(`${b.file}:${b.line}: ${b.link} — ${b.reason}`);
  console.log(broken.length ? `${broken.length} broken links` : 'all links resolve');
  process.exit(broken.length ? 1 : 0);
}
