// The README stays short and true: at most 200 lines, the two commands, every flag it names known to the CLI,
// every relative link in README.md and docs/ resolving to a file and heading; the benchmark tables live in docs/.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceMarked } from '../bench/run.ts';
import { anchors, checkDocLinks, slug } from '../scripts/check-doc-links.ts';
import { tempDir } from './helpers/fixtures.ts';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it('is at most 200 lines and keeps the install-and-run and test commands', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(200);
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });

  it('names only flags some `hilt … --help` lists', () => {
    const cmds = [
      [],
      ['start'],
      ['train'],
      ['import'],
      ['export'],
      ['reset'],
      ['sessions'],
      ['token', 'add'],
      ['predict'],
      ['fetch-model'],
      ['simulate'],
      ['bench'],
    ];
    const help = cmds
      .map((c) => execFileSync(process.execPath, ['bin/hilt.js', ...c, '--help'], { encoding: 'utf8' }))
      .join('\n');
    const flags = new Set([...readme.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
    expect(flags.size).toBeGreaterThan(10);
    const unknown = [...flags].filter((f) => !new RegExp(`${f}(?![a-z-])`).test(help));
    expect(unknown).toEqual([]);
  }, 120_000);
});

describe('doc links', () => {
  it('every relative link in README.md and docs/ resolves to a file and, with #anchor, a heading', () => {
    expect(checkDocLinks()).toEqual([]);
  });

  it('the checker finds a missing file and a missing heading', () => {
    const root = tempDir('hilt-docs-');
    mkdirSync(join(root, 'docs'));
    writeFileSync(
      join(root, 'docs', 'a.md'),
      '# Which backbone is running?\n\n## Does the loop save labels? `hilt simulate`\n',
    );
    writeFileSync(
      join(root, 'README.md'),
      [
        '[ok](docs/a.md) [ok](docs/a.md#which-backbone-is-running) [ok](docs/a.md#does-the-loop-save-labels-hilt-simulate)',
        '[gone](docs/b.md) [bad anchor](docs/a.md#nope) [web](https://example.com/x.md) `[code](docs/c.md)`',
        '```',
        '[fenced](docs/d.md)',
        '```',
      ].join('\n'),
    );
    expect(checkDocLinks(root).map((b) => b.link)).toEqual(['docs/b.md', 'docs/a.md#nope']);
    expect(slug('The `tiny` stand-in, for contrast')).toBe('the-tiny-stand-in-for-contrast');
    expect([...anchors('# A\n# A\n')]).toEqual(['a', 'a-1']);
  });
});

describe('benchmark tables in docs/', () => {
  it('docs/benchmarks.md and docs/segmentation.md hold the tables `npm run bench` rewrites', () => {
    expect(readFileSync('docs/benchmarks.md', 'utf8')).toMatch(
      /<!-- bench:start -->[\s\S]*\| benchmark \|[\s\S]*<!-- bench:end -->/,
    );
    expect(readFileSync('docs/segmentation.md', 'utf8')).toMatch(
      /<!-- seg-refine:start -->[\s\S]*<!-- seg-refine:end -->/,
    );
    expect(readme).not.toContain('<!-- bench:start -->');
  });

  it('replaceMarked rewrites only the text between the markers', () => {
    const f = join(tempDir('hilt-docs-'), 'x.md');
    writeFileSync(f, 'before\n<!-- bench:start -->\nold $1 table\n<!-- bench:end -->\nafter\n');
    replaceMarked(f, 'bench', 'new $& table');
    expect(readFileSync(f, 'utf8')).toBe('before\n<!-- bench:start -->\nnew $& table\n<!-- bench:end -->\nafter\n');
  });
});
