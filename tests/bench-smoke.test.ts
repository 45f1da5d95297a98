// CI smoke of `hilt bench --quick`: every benchmark runs at tiny sizes; checks the output format only.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCHES } from '../bench/run.ts';
import { tempDir } from './helpers/fixtures.ts';
import { hilt } from './helpers/peers.ts';

describe('bench --quick', () => {
  it('runs every benchmark and writes JSON + a markdown table', async () => {
    const out = tempDir('hilt-bench-');
    const p = hilt(['bench', '--quick', '--out', out]);
    const code = await new Promise<number | null>((r) => p.proc.on('exit', r));
    expect(code, p.out().slice(-3000)).toBe(0);
    const json = readdirSync(out).find((f) => f.endsWith('-quick.json'))!;
    const r = JSON.parse(readFileSync(join(out, json), 'utf8'));
    expect(r.quick).toBe(true);
    expect(r.machine.cores).toBeGreaterThan(0);
    for (const name of Object.keys(BENCHES)) {
      expect(r.results[name], `${name}: ${JSON.stringify(r.results[name])}`).toBeTruthy();
      expect(r.results[name].error, name).toBeUndefined();
      expect(
        r.checks.some((c: { bench: string }) => c.bench === name),
        name,
      ).toBe(true);
    }
    for (const c of r.checks) {
      expect(typeof c.metric).toBe('string');
      expect(typeof c.value === 'number' && Number.isFinite(c.value), `${c.metric} = ${c.value}`).toBe(true);
    }
    const md = readFileSync(join(out, json.replace('.json', '.md')), 'utf8');
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(r.checks.length + 1);
    expect(existsSync(join(out, 'latest.json'))).toBe(false); // quick runs never replace the real figures
  }, 600_000);
});
