// Nothing stale presented as current, and who is labelling, in real Chromium:
// predictions marked when their trainer is gone, model strategies off meanwhile, Enter refusing a
// prediction that changed behind the screen (409 → the fresh one is shown), a reset dropping the old
// model from the header, and a guest id per browser with a name set by keyboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, fakeTrainer, openClassifying, launch, shot, waitFor, type App } from './helpers.ts';

let app: App;
let browser: Browser;
let page: Page;
let classes: { id: number; name: string }[];
let trainer: Awaited<ReturnType<typeof fakeTrainer>> | null = null;

const imageId = async (p = page) => Number((await p.textContent('[data-testid=image-id]'))?.replace('#', ''));
const waitImage = (id: number, p = page) =>
  p.waitForFunction((id) => document.querySelector('[data-testid=image-id]')?.textContent === `#${id}`, id);
const text = async (sel: string) => (await page.textContent(sel)) ?? '';
const until = (fn: (sel: string) => boolean, sel: string) =>
  page.waitForFunction(
    ([s, f]) => new Function('t', `return (${f})(t)`)(document.querySelector(s)?.textContent ?? ''),
    [sel, fn.toString()] as const,
  );
const status = (v: number) => ({
  type: 'status',
  status: { phase: 'ready', embedded: 30, total: 30, device: 'cpu', backbone: 'tiny', modelVersion: v },
});
const probs = (top: number) => Object.fromEntries(classes.map((k) => [k.id, k.id === top ? 0.85 : 0.05]));

beforeAll(async () => {
  ({ app, browser, page, classes } = await openClassifying(
    { count: 30, strategy: 'sequential' } /* these walk-throughs start from sequential order */,
  ));
});
afterAll(async () => {
  trainer?.close();
  await browser?.close();
  await app?.close();
});

describe('model output and identity (e2e, Chromium)', () => {
  it('with the trainer online: the prediction names its model and the model strategies can be picked', async () => {
    trainer = await fakeTrainer(app.url);
    trainer.send(status(1));
    trainer.send({
      type: 'suggestions',
      modelVersion: 1,
      lists: { uncertain: [20, 21, 22], minority: [23], diverse: [24] },
    });
    trainer.send({
      type: 'predictions',
      modelVersion: 1,
      items: [{ imageId: 1, classId: classes[2].id, probs: probs(classes[2].id), uncertainty: 0.3 }],
    });
    await until((t) => t.includes('model v1'), '[data-testid=prediction]');
    expect(await page.$('[data-testid=prediction-stale]')).toBeNull();
    for (const s of ['uncertain', 'minority', 'diverse', 'class'])
      expect(await page.$eval(`option[value=${s}]`, (o) => (o as HTMLOptionElement).disabled)).toBe(false);
    // a long trainer message shrinks itself, never the parts after it (who you are, the links)
    trainer.send({
      type: 'status',
      status: {
        phase: 'error',
        message: 'cannot load backbone: ' + 'a long reason '.repeat(30),
        backboneNote: 'FALLBACK note '.repeat(10),
      },
    });
    await until((t) => t.includes('trainer error'), '[data-testid=trainer-status]');
    // the parts (the state strip's own parts counted one by one) never overlap, wherever they wrap to
    const parts = await page.$$eval('header > :not(.header-state), .header-state > *', (els) =>
      els
        .map((el) => el.getBoundingClientRect())
        .filter((r) => r.width > 0)
        .map((r) => [r.left, r.right, r.top, r.bottom]),
    );
    for (let i = 0; i < parts.length; i++)
      for (let j = i + 1; j < parts.length; j++) {
        const [a, b] = [parts[i], parts[j]];
        const overlap =
          Math.min(a[1], b[1]) - Math.max(a[0], b[0]) > 0.5 && Math.min(a[3], b[3]) - Math.max(a[2], b[2]) > 0.5;
        expect(overlap, `header parts ${i} and ${j} overlap`).toBe(false);
      }
    expect(await page.getAttribute('[data-testid=trainer-status]', 'title')).toContain('a long reason a long reason');
    expect(await page.$eval('[data-testid=you]', (el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    await page.screenshot({ path: shot('header-long-status'), clip: { x: 0, y: 0, width: 1360, height: 60 } });
    trainer.send(status(1));
    await until((t) => t.includes('ready · model v1'), '[data-testid=trainer-status]');
    await page.keyboard.press('n'); // random
    await page.keyboard.press('n'); // by class asks…
    await page.waitForSelector('[data-testid=class-prompt]');
    await page.keyboard.press('n'); // …and n goes on to the next one
    await until((t) => t.includes('minority'), '[data-testid=strategy]');
    await page.keyboard.press('n');
    await until((t) => t.includes('uncertain'), '[data-testid=strategy]');
  });

  it('with the trainer gone: the prediction is marked as maybe out of date, model strategies are off, next is sequential', async () => {
    trainer!.close();
    trainer = null;
    await until((t) => t.includes('trainer offline'), '[data-testid=trainer-status]');
    await page.waitForSelector('[data-testid=prediction-stale]');
    expect(await text('[data-testid=prediction-stale]')).toBe(
      'from model v1 — the trainer is offline, so it may be out of date',
    );
    expect(await page.$('.prediction.stale')).not.toBeNull();
    for (const s of ['uncertain', 'minority', 'diverse', 'class']) {
      expect(await page.$eval(`option[value=${s}]`, (o) => [(o as HTMLOptionElement).disabled, o.textContent])).toEqual(
        [true, expect.stringContaining('trainer offline')],
      );
    }
    expect(await text('[data-testid=strategy]')).toContain('sequential (uncertain: trainer offline)');
    expect(await text('[data-testid=strategy-note]')).toContain('uncertain: trainer offline');
    await page.screenshot({ path: shot('prediction-stale') });
    // the uncertain list said #20; without a trainer the next image is the sequential one
    await page.keyboard.press('1');
    await waitImage(2);
    // n steps off the strategy that went off, then cycles over what can run now: sequential, random
    await page.keyboard.press('n');
    await until((t) => t.trim() === 'next: sequential', '[data-testid=strategy]');
    await page.keyboard.press('n');
    await until((t) => t.trim() === 'next: random', '[data-testid=strategy]');
    await page.keyboard.press('n');
    await until((t) => t.trim() === 'next: sequential', '[data-testid=strategy]');
    expect(await page.$('[data-testid=class-prompt]')).toBeNull();
  });

  it('Enter on a prediction that changed behind the screen: 409, the fresh one is shown and nothing saved; Enter again accepts it', async () => {
    trainer = await fakeTrainer(app.url);
    trainer.send(status(2));
    const id = await imageId();
    trainer.send({
      type: 'predictions',
      modelVersion: 2,
      items: [{ imageId: id, classId: classes[0].id, probs: probs(classes[0].id), uncertainty: 0.2 }],
    });
    await until((t) => t.includes('model v2'), '[data-testid=prediction]');
    expect(await text('[data-testid=prediction] .pred-row.top')).toContain(classes[0].name);
    // the model refits and re-predicts this image; the browser has not been told yet
    app
      .ctx()
      .session.db.$client.prepare(
        'update predictions set model_version = 3, class_id = ?, probs = ? where image_id = ?',
      )
      .run(classes[3].id, JSON.stringify(probs(classes[3].id)), id);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=toast]:has-text("changed while you looked")');
    await until((t) => t.includes('model v3'), '[data-testid=prediction]');
    expect(await text('[data-testid=prediction] .pred-row.top')).toContain(classes[3].name);
    expect(await imageId()).toBe(id);
    expect((await api<{ annotation: unknown }>(app.url, `/api/images/${id}`)).annotation).toBeNull();
    expect(await page.$('[data-testid=toast].error')).toBeNull();
    await page.screenshot({ path: shot('prediction-changed') });
    await page.keyboard.press('Enter');
    await waitImage(id + 1);
    await waitFor(
      async () =>
        (await api<{ annotation: { classId: number } | null }>(app.url, `/api/images/${id}`)).annotation?.classId ===
        classes[3].id,
      3000,
      'the fresh class accepted',
    );
  });

  it("after a reset the header no longer shows the archived session's model", async () => {
    trainer!.send(status(5));
    await until((t) => t.includes('ready · model v5'), '[data-testid=trainer-status]');
    await page.keyboard.press('Shift+P');
    await page.focus('[data-testid=reset-confirm]');
    await page.keyboard.type(app.name);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=task-segmentation]');
    await until((t) => !t.includes('model v5'), '[data-testid=trainer-status]');
    expect(await text('[data-testid=trainer-status]')).toBe('trainer connected');
  });

  it('each browser is its own annotator: a guest id in the header, a name by Shift+A, two unnamed browsers never share an image', async () => {
    await page.keyboard.press('1'); // classification again, on the fresh session
    await waitImage(1);
    await until((t) => /^guest-[\w-]{6}$/.test(t), '[data-testid=you-name]');
    const guest1 = await text('[data-testid=you-name]');
    const other = await browser.newContext({ bypassCSP: true, viewport: { width: 1360, height: 860 } });
    const page2 = await other.newPage();
    try {
      await page2.goto(app.url + '/classification');
      await page2.waitForFunction(() =>
        /^#\d+$/.test(document.querySelector('[data-testid=image-id]')?.textContent ?? ''),
      );
      expect(await imageId(page2)).not.toBe(1); // #1 is held by the first browser
      await page2.waitForFunction(() =>
        /^guest-/.test(document.querySelector('[data-testid=you-name]')?.textContent ?? ''),
      );
      const guest2 = (await page2.textContent('[data-testid=you-name]'))!;
      expect(guest2).not.toBe(guest1);
      // a name, by keyboard
      await page.keyboard.press('Shift+A');
      await page.waitForSelector('[data-testid=name-input]:focus');
      await page.keyboard.type('Ada');
      await page.keyboard.press('Enter');
      await until((t) => t === 'Ada', '[data-testid=you-name]');
      await page.screenshot({ path: shot('name-set') });
      await page.keyboard.press('1');
      await waitImage(2).catch(() => undefined); // #2 may be held by the other browser: any next image will do
      await waitFor(
        async () =>
          (await api<{ annotation: { annotator: string } | null }>(app.url, '/api/images/1')).annotation?.annotator ===
          'Ada',
        3000,
        'label by Ada',
      );
      const id2 = await imageId(page2);
      await page2.keyboard.press('2');
      await waitFor(
        async () =>
          (await api<{ annotation: { annotator: string } | null }>(app.url, `/api/images/${id2}`)).annotation
            ?.annotator === guest2,
        3000,
        'label by the guest',
      );
      const per = (await api<{ perAnnotator: { annotator: string }[] }>(app.url, '/api/stats')).perAnnotator
        .map((a) => a.annotator)
        .sort();
      expect(per).toEqual(['Ada', guest2].sort());
    } finally {
      await other.close();
    }
  });
});
