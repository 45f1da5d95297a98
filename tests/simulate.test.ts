// CI smoke of `hilt simulate --quick`: a real server + trainer on a tiny MNIST pool, 2 strategies, 1 repeat.
// Checks the output format only (files, JSON curves and headline fields, one SVG line per strategy);
// no timing or accuracy assertions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseSimArgs, simulate, simulateCli, USAGE } from '../scripts/simulate.ts';
import { paintScribbles } from '../scripts/simulate/painter.ts';
import { crossing } from '../scripts/simulate/report.ts';
import { noisyAnswer } from '../scripts/simulate/noise.ts';
import { tempDir } from './helpers/fixtures.ts';

describe('hilt simulate', () => {
  it('parses flags: --mnist with and without a value, --quick defaults, errors name the flag', () => {
    const o = parseSimArgs(['--quick', '--out', '/tmp/x']);
    expect(o).toMatchObject({
      quick: true,
      mnist: 200,
      strategies: ['sequential', 'uncertain'],
      repeats: 1,
      parallel: 1,
    });
    expect(parseSimArgs(['--mnist', '500', '--strategies', 'mix,random'])).toMatchObject({
      mnist: 500,
      strategies: ['mix', 'random'],
    });
    expect(parseSimArgs(['--mnist', '--budget', '50'])).toMatchObject({ mnist: 2000, budget: 50 });
    expect(parseSimArgs(['--help'])).toBe('help');
    expect(USAGE).toMatch(/how many labels would my dataset need with each strategy/i);
    expect(() => parseSimArgs(['--strategies', 'best'])).toThrow(/unknown strategy "best"/);
    expect(() => parseSimArgs(['--budget'])).toThrow(/--budget needs a value/);
    expect(() => parseSimArgs(['--frobnicate', '1'])).toThrow(/unknown option --frobnicate/);
    // segmentation has every strategy's list now (diverse and minority included)
    expect(parseSimArgs(['--task', 'segmentation'])).toMatchObject({
      strategies: ['sequential', 'random', 'uncertain', 'diverse', 'minority', 'typical', 'mix'],
    });
    expect(parseSimArgs(['--noise', '0.1'])).toMatchObject({ noise: 0.1 });
    expect(parseSimArgs([])).toMatchObject({ noise: 0 });
    expect(() => parseSimArgs(['--noise', '0.9'])).toThrow(/--noise must be a number in \[0, 0.5\]/);
    expect(() => parseSimArgs(['--task', 'segmentation', '--noise', '0.1'])).toThrow(/classification only/);
  });

  it('--noise flips a seeded share of the answers, always to another class', () => {
    let flipped = 0;
    for (let id = 1; id <= 2000; id++) {
      const a = noisyAnswer(id % 10, 10, 0.1, 1, 1, id);
      if (a !== id % 10) {
        flipped++;
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThan(10);
      }
      expect(noisyAnswer(id % 10, 10, 0.1, 1, 1, id)).toBe(a); // deterministic
    }
    expect(flipped).toBeGreaterThan(150);
    expect(flipped).toBeLessThan(250);
    expect(noisyAnswer(3, 10, 0, 1, 1, 5)).toBe(3);
  });

  it('the painter keeps strokes inside their region, off its boundary', () => {
    const W = 80,
      H = 60,
      mask = new Uint8Array(W * H);
    for (let y = 15; y < 45; y++) for (let x = 20; x < 60; x++) mask[y * W + x] = 1; // a square on background
    const s = paintScribbles(mask, W, H, { maxStrokes: 2, brush: 2, seed: 3 });
    expect(s.regions).toBe(2);
    expect(s.strokes).toBeGreaterThanOrEqual(2);
    let near = 0;
    for (let i = 0; i < W * H; i++) {
      if (s.data[i] === 255) continue;
      expect(s.data[i]).toBe(mask[i]);
      const x = i % W,
        y = Math.floor(i / W);
      if (mask[i] === 1 && (x < 22 || x > 57 || y < 17 || y > 42)) near++;
    }
    expect(near).toBe(0);
  });

  it('crossing interpolates between evaluation points', () => {
    expect(crossing([10, 20, 30], [0.2, 0.5, 0.8], 0.6)).toBe(24);
    expect(crossing([10, 20], [0.7, 0.9], 0.6)).toBe(10);
    expect(crossing([10, 20], [null, 0.4], 0.6)).toBeNull();
  });

  describe('--quick end to end', () => {
    let out: string, work: string;
    beforeAll(() => {
      out = tempDir('hilt-sim-out-');
      work = tempDir('hilt-sim-work-');
    });
    afterAll(() => {
      rmSync(out, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    });

    it('writes simulate.json, .md and .svg with a curve and a headline per strategy', async () => {
      const o = parseSimArgs(['--quick', '--out', out, '--work', work, '--quiet', '--budget', '12', '--every', '4']);
      if (o === 'help') throw new Error('unexpected');
      const r = await simulate(o);
      for (const f of ['simulate.json', 'simulate.md', 'simulate.svg']) expect(existsSync(join(out, f))).toBe(true);

      const j = JSON.parse(readFileSync(join(out, 'simulate.json'), 'utf8'));
      expect(j).toMatchObject({
        version: 1,
        metric: 'accuracy',
        x: 'labels',
        dataset: { task: 'classification', pool: 160, test: 40 },
      });
      expect(j.machine.cores).toBeGreaterThan(0);
      expect(Object.keys(j.curves)).toEqual(['sequential', 'uncertain']);
      for (const s of ['sequential', 'uncertain']) {
        expect(j.curves[s].map((p: { labels: number }) => p.labels)).toEqual([4, 8, 12]);
        for (const p of j.curves[s]) expect(p).toHaveProperty('mean');
        expect(j.runs[s]).toHaveLength(1);
        expect(j.runs[s][0].points).toHaveLength(3);
        expect(j.headline.perStrategy[s]).toHaveProperty('needed');
        expect(j.headline.perStrategy[s]).toHaveProperty('ratioToSequential');
      }
      expect(j.headline).toHaveProperty('reference');
      expect(j.headline).toHaveProperty('target');
      expect(j.headline.goal).toMatchObject({ ratio: 0.6 });
      // 90 % and 95 % of the final accuracy, each with the per-repeat ratios to sequential
      expect(j.headlines.map((h: { fraction: number }) => h.fraction)).toEqual([0.9, 0.95]);
      expect(j.headlines[0]).toEqual(j.headline);
      for (const h of j.headlines)
        for (const s of ['sequential', 'uncertain']) {
          expect(h.perStrategy[s].ratioPerRepeat).toHaveLength(1);
          for (const k of ['ratioMean', 'ratioStd', 'ratioMin', 'ratioMax']) expect(h.perStrategy[s]).toHaveProperty(k);
        }
      expect(r.headline.perStrategy.sequential).toBeDefined();

      const md = readFileSync(join(out, 'simulate.md'), 'utf8');
      expect(md).toMatch(/\| strategy \| labels to 90 % \(mean curve\) .* labels to 95 % \(mean curve\)/);
      expect(md).toMatch(/\| sequential \|/);
      expect(md).toMatch(/\| uncertain \|/);

      const svg = readFileSync(join(out, 'simulate.svg'), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trim().endsWith('</svg>')).toBe(true);
      expect(svg.match(/<path class="line" /g)).toHaveLength(2);
      expect(svg).toMatch(/data-strategy="sequential"/);
      expect(svg).toMatch(/data-strategy="uncertain"/);
      // well-formed enough for an XML parser: sharp (librsvg) renders it
      const sharp = (await import('sharp')).default;
      const meta = await sharp(Buffer.from(svg)).metadata();
      expect(meta.format).toBe('svg');
      expect(meta.width).toBeGreaterThan(100);
    }, 180_000);

    it('--report re-renders the table, plot and headlines from a simulate.json without running anything', async () => {
      const again = tempDir('hilt-sim-report-');
      try {
        const o = parseSimArgs(['--report', join(out, 'simulate.json'), '--out', again]);
        if (o === 'help') throw new Error('unexpected');
        expect(o.report).toBe(join(out, 'simulate.json'));
        await simulateCli(['--report', join(out, 'simulate.json'), '--out', again]);
        const a = JSON.parse(readFileSync(join(out, 'simulate.json'), 'utf8')),
          b = JSON.parse(readFileSync(join(again, 'simulate.json'), 'utf8'));
        expect(b.headlines).toEqual(a.headlines);
        expect(b.runs).toEqual(a.runs);
        expect(readFileSync(join(again, 'simulate.md'), 'utf8')).toBe(readFileSync(join(out, 'simulate.md'), 'utf8'));
        expect(readFileSync(join(again, 'simulate.svg'), 'utf8')).toBe(readFileSync(join(out, 'simulate.svg'), 'utf8'));
      } finally {
        rmSync(again, { recursive: true, force: true });
      }
    });
  });

  it('--data on a fresh class-folders set (names with spaces, jpg and png) runs end to end', async () => {
    const data = tempDir('hilt-sim-folders-'),
      out = tempDir('hilt-sim-fout-'),
      work = tempDir('hilt-sim-fwork-');
    try {
      const sharp = (await import('sharp')).default;
      // three classes, a colour family each with jitter, so even the random-weight tiny backbone can learn them
      const classes = [
        ['red things', [200, 40, 40]],
        ['green', [40, 190, 60]],
        ['blue sky', [50, 80, 230]],
      ] as const;
      for (const [name, [r, g, b]] of classes) {
        mkdirSync(join(data, name), { recursive: true });
        for (let i = 0; i < 12; i++) {
          const j = (k: number) => Math.max(0, Math.min(255, k + ((i * 37) % 41) - 20));
          const img = sharp({
            create: { width: 40 + i, height: 32, channels: 3, background: { r: j(r), g: j(g), b: j(b) } },
          });
          await (i % 2 ? img.jpeg() : img.png()).toFile(join(data, name, `x${i}.${i % 2 ? 'jpg' : 'png'}`));
        }
      }
      const o = parseSimArgs([
        '--data',
        data,
        '--backbone',
        'tiny',
        '--budget',
        '8',
        '--every',
        '4',
        '--repeats',
        '2',
        '--strategies',
        'sequential,uncertain',
        '--parallel',
        '1',
        '--out',
        out,
        '--work',
        work,
        '--quiet',
      ]);
      if (o === 'help') throw new Error('unexpected');
      await simulate(o);
      const j = JSON.parse(readFileSync(join(out, 'simulate.json'), 'utf8'));
      expect(j.dataset).toMatchObject({
        task: 'classification',
        classes: ['blue sky', 'green', 'red things'],
        pool: 29,
        test: 7,
        skipped: 0,
      });
      for (const s of ['sequential', 'uncertain']) {
        expect(j.runs[s]).toHaveLength(2);
        expect(j.curves[s].map((p: { labels: number }) => p.labels)).toEqual([4, 8]);
        expect(j.headlines[1].perStrategy[s].ratioPerRepeat).toHaveLength(2);
      }
      expect(readFileSync(join(out, 'simulate.md'), 'utf8')).toContain(data);
      expect(existsSync(join(out, 'simulate.partial.json'))).toBe(false); // kept only while runs are under way
    } finally {
      for (const d of [data, out, work]) rmSync(d, { recursive: true, force: true });
    }
  }, 180_000);

  it('segmentation --quick: mIoU at full resolution, and the nearest / bilinear / refined / oracle table', async () => {
    const out = tempDir('hilt-sim-seg-'),
      work = tempDir('hilt-sim-segw-');
    try {
      const o = parseSimArgs([
        '--task',
        'segmentation',
        '--quick',
        '--backbone',
        'tiny',
        '--out',
        out,
        '--work',
        work,
        '--quiet',
      ]);
      if (o === 'help') throw new Error('unexpected');
      expect(o.strategies).toEqual(['sequential', 'uncertain']);
      await simulate(o);
      const j = JSON.parse(readFileSync(join(out, 'simulate.json'), 'utf8'));
      expect(j).toMatchObject({ metric: 'mIoU', x: 'strokes', dataset: { task: 'segmentation' } });
      expect(j.upsampling.map((r: { strategy: string }) => r.strategy)).toEqual(['sequential', 'uncertain']);
      for (const r of j.upsampling)
        for (const k of ['nearest', 'bilinear', 'refined', 'oracle', 'accepted']) {
          expect(r[k].miou).toBeGreaterThan(0);
          expect(r[k].boundaryF).toBeGreaterThan(0);
        }
      // the curve is the accepted masks' mIoU of the final head (refined, regions named by the crop head)
      const last = j.runs.sequential[0].points.at(-1);
      expect(last.metric).toBeCloseTo(j.runs.sequential[0].upsampling.accepted.miou, 6);
      expect(readFileSync(join(out, 'simulate.md'), 'utf8')).toMatch(
        /\| strategy \| nearest \| bilinear \| refined \| oracle \|/,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    }
  }, 240_000);
});
