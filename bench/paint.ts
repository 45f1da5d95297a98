// Paint latency of the annotator UI: time from the key press (next image, or label-and-advance) to the
// next image painted, in headless Chromium against the real server, with prefetch on.
// The app fires `hilt:painted` after the frame that shows a new image (rAF, then a task after it).
// Run alone: npx tsx bench/paint.ts [--presses 60] [--gap 150]  → prints JSON.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { launch, startApp } from '../tests/e2e/helpers.ts';
import { benchScript } from './util.ts';

export interface PaintOptions {
  images?: number;
  presses?: number;
  gapMs?: number;
  log?: (line: string) => void;
}
export interface PaintStats {
  n: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}
export interface PaintResult {
  name: 'paint';
  browser: string;
  prefetch: true;
  next: PaintStats;
  label: PaintStats;
  targetP95Ms: 100;
  ok: boolean;
}

function summary(ms: number[]): PaintStats {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const r = (v: number) => Math.round(v * 10) / 10;
  return {
    n: s.length,
    p50: r(q(0.5)),
    p95: r(q(0.95)),
    max: r(s[s.length - 1]),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

export async function benchPaint(opts: PaintOptions = {}): Promise<PaintResult> {
  const presses = opts.presses ?? 60,
    gap = opts.gapMs ?? 150;
  const app = await startApp({ count: Math.max(opts.images ?? 0, 2 * presses + 10), name: 'bench' });
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(app.url + '/');
    await page.waitForSelector('[data-testid=task-classification]');
    await page.keyboard.press('1');
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#1');
    await page.evaluate(() => {
      const w = window as unknown as { paint: { t0: number; last: number; ms: number[]; dom: number[] } };
      w.paint = { t0: 0, last: 1, ms: [], dom: [] };
      // the key's own timestamp: when the browser received it, before any app code ran
      window.addEventListener(
        'keydown',
        (e) => {
          w.paint.t0 = e.timeStamp;
        },
        true,
      );
      window.addEventListener('hilt:painted', (e) => {
        const d = (e as CustomEvent<{ id: number; at: number; dom: number }>).detail;
        if (d.id !== w.paint.last && w.paint.t0) {
          w.paint.ms.push(d.at - w.paint.t0);
          w.paint.dom.push(d.dom - w.paint.t0);
          w.paint.t0 = 0;
        }
        w.paint.last = d.id;
      });
    });
    const run = async (key: (i: number) => string) => {
      await page.evaluate(() => {
        const p = (window as unknown as { paint: { ms: number[]; dom: number[] } }).paint;
        p.ms = [];
        p.dom = [];
      });
      for (let i = 0; i < presses; i++) {
        await page.waitForTimeout(gap); // an annotator's pace leaves the prefetch time to land
        await page.keyboard.press(key(i));
        await page.waitForFunction((n) => (window as unknown as { paint: { ms: number[] } }).paint.ms.length > n, i, {
          timeout: 10_000,
        });
      }
      return page.evaluate(() => (window as unknown as { paint: { ms: number[]; dom: number[] } }).paint);
    };
    const n = await run(() => 'd');
    const next = summary(n.ms);
    opts.log?.(
      `next key: p50 ${next.p50} ms, p95 ${next.p95} ms (in the DOM after p50 ${summary(n.dom).p50}, p95 ${summary(n.dom).p95} ms)`,
    );
    const l = await run((i) => String((i % 4) + 1));
    const label = summary(l.ms);
    opts.log?.(
      `label key: p50 ${label.p50} ms, p95 ${label.p95} ms (in the DOM after p50 ${summary(l.dom).p50}, p95 ${summary(l.dom).p95} ms)`,
    );
    return {
      name: 'paint',
      browser: `chromium ${browser.version()} headless`,
      prefetch: true,
      next,
      label,
      targetP95Ms: 100,
      ok: next.p95 <= 100 && label.p95 <= 100,
    };
  } finally {
    await browser.close();
    await app.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const o = benchScript('bench/paint.ts', 'painting in the browser (JSON on stdout)')
    .option('--presses <n>', 'key presses', Number)
    .option('--gap <ms>', 'time between presses', Number)
    .parse()
    .opts<{ presses?: number; gap?: number }>();
  const r = await benchPaint({ presses: o.presses, gapMs: o.gap, log: (l) => console.error(l) });
  console.log(JSON.stringify(r, null, 2));
}
