// Every command's --help comes from commander: `hilt fetch-model`, `hilt simulate`, `hilt bench` (and the scripts
// that take options) print their usage and exit 0; a bad option exits non-zero and names it. `hilt fetch-model`
// makes a model folder and says where; an unknown name lists the known ones.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasModel } from '../trainer/backbones/folder.ts';
import { tempDir } from './helpers/fixtures.ts';

const tmp = tempDir('hilt-cli-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const hilt = (...args: string[]) => run(['bin/hilt.js', ...args]);
const script = (file: string, ...args: string[]) => run(['--import', 'tsx', file, ...args]);

describe('--help from commander', () => {
  it.each([
    ['fetch-model', /Usage: hilt fetch-model \[options\] <name>[\s\S]*mobilenetv2-imagenet \| tiny[\s\S]*--from <dir>/],
    [
      'simulate',
      /Usage: hilt simulate \[options\][\s\S]*Data \(one of\):[\s\S]*--scene-style <s>[\s\S]*--strategies <list>[\s\S]*--budget <n>[\s\S]*--repeats <n>[\s\S]*--parallel <n>[\s\S]*Examples:/,
    ],
    ['bench', /Usage: hilt bench \[options\][\s\S]*--quick[\s\S]*--only <list>.*import, loop/],
  ])('hilt %s --help prints its usage and exits 0', (cmd, usage) => {
    const r = hilt(cmd, '--help');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(usage);
  });

  it.each([
    ['fetch-model', ['tiny', '--bogus']],
    ['simulate', ['--frobnicate', '1']],
    ['bench', ['--quick', '--bogus']],
  ])('hilt %s with a bad option exits non-zero and names it', (cmd, args) => {
    const r = hilt(cmd, ...args);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^error: unknown option '--(bogus|frobnicate)'/);
    expect(r.err).toContain(`Usage: hilt ${cmd}`);
  });

  it('a bad value is a usage error naming the flag, before anything runs', () => {
    const r = hilt('simulate', '--strategies', 'best', '--out', path.join(tmp, 'never'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: unknown strategy "best" \(one of sequential/);
    expect(fs.existsSync(path.join(tmp, 'never'))).toBe(false);
    const b = hilt('simulate', '--budget');
    expect(b.code).not.toBe(0);
    expect(b.err).toMatch(/option '--budget <n>' argument missing/);
  });

  it('the scripts that take options parse them with commander too', () => {
    const m = script('scripts/make-mobilenet.ts', '--help');
    expect(m.code, m.err).toBe(0);
    expect(m.out).toMatch(/Usage: npx tsx scripts\/make-mobilenet.ts \[options\][\s\S]*--force/);
    const p = script('scripts/probe-strategies.ts', '--data', tmp, '--nope');
    expect(p.code).not.toBe(0);
    expect(p.err).toMatch(/unknown option '--nope'/);
  });
});

describe('hilt fetch-model', () => {
  it('builds tiny into --out, keeps it on a second run, and refuses an unknown name with the list', () => {
    const models = path.join(tmp, 'models');
    const a = hilt('fetch-model', 'tiny', '--out', models);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/tiny-dinov3: built \(/);
    expect(hasModel(path.join(models, 'tiny-dinov3'))).toBe(true);
    expect(hilt('fetch-model', 'tiny', '--out', models).out).toMatch(/tiny-dinov3: up to date/);
    const bad = hilt('fetch-model', 'no-such-model', '--out', models);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown backbone "no-such-model": expected one of dinov3-vits16, .*mobilenetv2-imagenet/);
  });
});
