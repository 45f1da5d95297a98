// The default strategy and "why this image", in real Chromium: a browser that never chose a
// strategy starts a classification session with the server's default (GET /api/strategies `defaults`,
// the winner of `hilt simulate`), sequential while the trainer has no list for it; each image the
// strategy picks says why under the image (a warm-up pick "typical of a cluster with no label yet", "model
// unsure: circle vs square", a random val-side image), also when it came from the prefetched candidate; a
// move by id hides it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_STRATEGY, STRATEGIES } from '../../server/strategies.ts';
import { isVal } from '../../common/split.ts';
import { api, fakeTrainer, openClassifying, shot, type App } from './helpers.ts';

let app: App;
let browser: Browser;
let page: Page;
let classes: { id: number; name: string }[];
let trainer: Awaited<ReturnType<typeof fakeTrainer>> | null = null;

const imageId = async () => Number((await page.textContent('[data-testid=image-id]'))?.replace('#', ''));
const waitImage = (id: number) =>
  page.waitForFunction((id) => document.querySelector('[data-testid=image-id]')?.textContent === `#${id}`, id);
const text = async (sel: string) => (await page.textContent(sel))?.trim() ?? '';
const why = () => page.$eval('[data-testid=pick-why]', (el) => el.textContent ?? '').catch(() => null);
const waitWhy = (w: string) =>
  page.waitForFunction((w) => document.querySelector('[data-testid=pick-why]')?.textContent === w, w);

beforeAll(async () => {
  ({ app, browser, page, classes } = await openClassifying({ count: 30 }));
});
afterAll(async () => {
  trainer?.close();
  await browser?.close();
  await app?.close();
});

describe('the default strategy and why an image was picked (e2e, Chromium)', () => {
  it('a new session starts with the measured default; sequential, saying why, until the trainer has its list', async () => {
    expect(DEFAULT_STRATEGY.classification).not.toBe('sequential');
    const d = DEFAULT_STRATEGY.classification;
    expect(await page.$eval('[data-testid=strategy-choice]', (el) => (el as HTMLSelectElement).value)).toBe(d);
    expect(await text('[data-testid=strategy]')).toContain(
      `sequential (${STRATEGIES.find((s) => s.name === d)!.label}: trainer offline)`,
    );
    expect(await why()).toBeNull(); // the first image: shown by id, not picked
  });

  it('each picked image says why, under the image; a move by id hides it', async () => {
    // ids 1..30: the uncertain list starts with a typical image (20, in the cold start), then unsure ones (21, 23);
    // with four labels given, the fifth goes to a random val-side image the server picks for the honest estimate
    const train = Array.from({ length: 30 }, (_, i) => i + 1).filter((i) => !isVal(i) && i >= 20);
    const [t0, t1, t2, t3] = train;
    const [a, b] = [classes[0], classes[1]];
    const probs = Object.fromEntries(
      classes.map((k) => [k.id, k.id === a.id ? 0.45 : k.id === b.id ? 0.4 : 0.15 / (classes.length - 2)]),
    );
    trainer = await fakeTrainer(app.url);
    trainer.send({
      type: 'status',
      status: { phase: 'ready', embedded: 30, total: 30, device: 'cpu', backbone: 'tiny', modelVersion: 1 },
    });
    trainer.send({
      type: 'predictions',
      modelVersion: 1,
      items: [t1, t2].map((imageId) => ({ imageId, classId: a.id, probs, uncertainty: 0.95 })),
    });
    trainer.send({
      type: 'suggestions',
      modelVersion: 1,
      lists: { uncertain: [t0, t1, t2, t3], typical: [t0], cold: [t0] },
    });
    // uncertain itself, whatever the default (mix, say, makes one pick in five a random one)
    await page.selectOption('[data-testid=strategy-choice]', 'uncertain');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=strategy]')?.textContent?.trim() === 'next: uncertain',
    );
    await page.keyboard.press('ArrowRight'); // id order: nothing to explain
    await waitImage(2);
    expect(await why()).toBeNull();
    await page.keyboard.press('1'); // label #2 → next by strategy
    await waitImage(t0);
    // the cold start says it is a warm-up, how far along, and what follows
    await waitWhy(
      'warming up: typical of a cluster with no label yet; uncertainty picks start once every cluster (up to 50) has a label',
    );
    await page.screenshot({ path: shot('pick-why') });
    await page.keyboard.press('2');
    await waitImage(t1);
    await waitWhy(`model unsure: ${a.name} vs ${b.name}`);
    await page.keyboard.press('2');
    await waitImage(t2);
    await page.keyboard.press('2');
    // the next image is chosen while this one is in view (and prefetched): with four labels given, the fifth is due on the val side
    await waitImage(t3);
    await page.keyboard.press('2');
    await waitWhy('a random image for the honest accuracy estimate (val side)');
    const val = await imageId();
    expect(isVal(val)).toBe(true);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((v) => document.querySelector('[data-testid=image-id]')?.textContent !== `#${v}`, val);
    expect(await imageId()).toBe(val - 1);
    expect(await why()).toBeNull();
  });
});
