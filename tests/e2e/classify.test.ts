// The annotator UI in real Chromium against the real server: classification by keyboard only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, fakeTrainer, launch, shot, startApp, waitFor, type App } from './helpers.ts';

let app: App;
let browser: Browser;
let page: Page;

const imageId = async () => Number((await page.textContent('[data-testid=image-id]'))?.replace('#', ''));
const waitImage = (id: number) =>
  page.waitForFunction((id) => document.querySelector('[data-testid=image-id]')?.textContent === `#${id}`, id);

beforeAll(async () => {
  app = await startApp({ count: 60 });
  browser = await launch();
  page = await browser.newPage({ bypassCSP: true, viewport: { width: 1360, height: 860 } });
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
  // count every pointer/mouse event the page receives: the labelling test must see none
  await page.addInitScript(() => {
    (window as unknown as { mouseEvents: number }).mouseEvents = 0;
    for (const t of ['mousedown', 'mouseup', 'click', 'pointerdown', 'pointerup', 'mousemove', 'wheel']) {
      window.addEventListener(
        t,
        () => {
          (window as unknown as { mouseEvents: number }).mouseEvents++;
        },
        true,
      );
    }
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('classification (e2e, Chromium)', () => {
  it('home offers both tasks while none is set', async () => {
    await page.goto(app.url + '/');
    await page.waitForSelector('[data-testid=task-classification]');
    expect(await page.isVisible('[data-testid=task-segmentation]')).toBe(true);
    await page.screenshot({ path: shot('home') });
  });

  it('labels 20 images by keyboard only (no mouse events)', async () => {
    await page.keyboard.press('1'); // opens classification, which locks the task
    await waitImage(1);
    expect((await api<{ task: string }>(app.url, '/api/session')).task).toBe('classification');
    for (let i = 0; i < 20; i++) {
      const before = await imageId();
      await page.keyboard.press(String((i % 4) + 1));
      await page.waitForFunction(
        (b) => document.querySelector('[data-testid=image-id]')?.textContent !== `#${b}`,
        before,
      );
    }
    expect(await imageId()).toBe(21);
    await waitFor(
      async () => (await api<{ counts: { labelled: number } }>(app.url, '/api/session')).counts.labelled === 20,
      5000,
      '20 labels on the server',
    );
    const list = await api<{ items: { id: number; annotation: { classId: number } | null }[] }>(
      app.url,
      '/api/images?limit=20&labelled=1',
    );
    const classes = (await api<{ classes: { id: number }[] }>(app.url, '/api/classes')).classes;
    expect(list.items.map((it) => it.annotation?.classId)).toEqual(list.items.map((_, i) => classes[i % 4].id));
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=progress]')?.textContent?.startsWith('20 / 60'),
    );
    expect(await page.evaluate(() => (window as unknown as { mouseEvents: number }).mouseEvents)).toBe(0);
    await page.screenshot({ path: shot('classification') });
  });

  it('keeps up with fast typing: every key press labels the next image', async () => {
    const start = await imageId();
    const keys = ['1', '2', '3', '4', '1', '2'];
    for (const k of keys) await page.keyboard.press(k, { delay: 0 });
    await waitImage(start + keys.length);
    const classes = (await api<{ classes: { id: number }[] }>(app.url, '/api/classes')).classes;
    for (let i = 0; i < keys.length; i++) {
      await waitFor(
        async () =>
          (await api<{ annotation: { classId: number } | null }>(app.url, `/api/images/${start + i}`)).annotation
            ?.classId === classes[Number(keys[i]) - 1].id,
        3000,
        `label of #${start + i}`,
      );
    }
  });

  it('skips with s and undo restores the previous image and its previous label', async () => {
    const at = await imageId(); // 21, unlabelled
    await page.keyboard.press('s');
    await waitImage(at + 1);
    await page.keyboard.press('z');
    await waitImage(at);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=current-label]')?.textContent === 'not labelled yet',
    );
    expect((await api<{ annotation: unknown }>(app.url, `/api/images/${at}`)).annotation).toBeNull();
    // the undo says what it took back
    await page.waitForFunction(
      (at) =>
        [...document.querySelectorAll('[data-testid=toast]')].some((t) => t.textContent === `undone: skip on #${at}`),
      at,
    );
    // relabel an already labelled image, then undo: its old label comes back
    await page.keyboard.press('ArrowLeft');
    await waitImage(at - 1);
    const old = (await api<{ annotation: { classId: number } }>(app.url, `/api/images/${at - 1}`)).annotation.classId;
    await page.keyboard.press('1');
    await waitImage(at);
    await page.keyboard.press('Control+z');
    await waitImage(at - 1);
    await waitFor(
      async () =>
        (await api<{ annotation: { classId: number } }>(app.url, `/api/images/${at - 1}`)).annotation.classId === old,
      3000,
      'old label back',
    );
    await page.waitForFunction(
      (at) =>
        [...document.querySelectorAll('[data-testid=toast]')].some(
          (t) => /^undone: label \w+ on #/.test(t.textContent ?? '') && t.textContent!.endsWith(`#${at}`),
        ),
      at - 1,
    );
    await page.keyboard.press('ArrowRight');
    await waitImage(at);
  });

  it('jumps to an id with g, and says so inline for an unknown id', async () => {
    await page.keyboard.press('g');
    await page.keyboard.type('42');
    await page.keyboard.press('Enter');
    await waitImage(42);
    expect(page.url()).toContain('/classification?id=42');
    await page.keyboard.press('g');
    await page.keyboard.type('99999');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=jump-error]');
    expect(await page.textContent('[data-testid=jump-error]')).toBe('No image with id 99999');
    await page.screenshot({ path: shot('jump-unknown-id') });
    await page.keyboard.press('Escape');
    await waitImage(42); // nothing broke: still on 42, and keys work again
    await page.keyboard.press('ArrowRight');
    await waitImage(43);
  });

  it('shows a prediction pushed over the socket without a reload, and Enter accepts it', async () => {
    const trainer = await fakeTrainer(app.url);
    try {
      const classes = (await api<{ classes: { id: number; name: string }[] }>(app.url, '/api/classes')).classes;
      trainer.send({
        type: 'status',
        status: {
          phase: 'embedding',
          embedded: 1234,
          total: 10000,
          device: 'cpu',
          backbone: 'tiny',
          backboneNote: 'tiny random-weight backbone',
          modelVersion: 0,
        },
      });
      await page.waitForFunction(() =>
        document
          .querySelector('[data-testid=trainer-status]')
          ?.textContent?.includes('embedding 1,234 of 10,000 on cpu with tiny'),
      );
      // the chip names what runs in a few words; the whole note is its tooltip
      expect(await page.textContent('[data-testid=backbone]')).toBe('tiny, random weights');
      expect(await page.getAttribute('[data-testid=backbone]', 'title')).toBe('tiny random-weight backbone');
      // the longest chip, in a 1280-px window: the status text gives way, the chip is not cut
      trainer.send({
        type: 'status',
        status: {
          phase: 'embedding',
          embedded: 1234,
          total: 10000,
          device: 'cpu',
          backbone: 'mobilenetv2-imagenet',
          backboneNote: 'DINOv3 unavailable offline: running ImageNet MobileNetV2 (…)',
          modelVersion: 0,
        },
      });
      await page.waitForFunction(
        () => document.querySelector('[data-testid=backbone]')?.textContent === 'ImageNet MobileNetV2 (DINOv3 offline)',
      );
      await page.setViewportSize({ width: 1280, height: 860 });
      const clip = await page.$eval('[data-testid=backbone]', (el) => ({
        chip: el.getBoundingClientRect(),
        box: el.parentElement!.getBoundingClientRect(),
        full: el.scrollWidth <= el.clientWidth + 1,
      }));
      expect(clip.full).toBe(true); // the text is whole…
      expect(clip.chip.right).toBeLessThanOrEqual(clip.box.right + 0.5); // …and inside the header
      expect(clip.chip.width).toBeGreaterThan(150);
      await page.setViewportSize({ width: 1360, height: 860 });
      const id = await imageId();
      const probs = { [classes[2].id]: 0.81, [classes[0].id]: 0.12, [classes[1].id]: 0.05, [classes[3].id]: 0.02 };
      trainer.send({
        type: 'status',
        status: {
          phase: 'ready',
          embedded: 60,
          total: 60,
          device: 'cpu',
          backbone: 'tiny',
          backboneNote: 'tiny random-weight backbone',
          modelVersion: 1,
        },
      });
      trainer.send({
        type: 'predictions',
        modelVersion: 1,
        items: [{ imageId: id, classId: classes[2].id, probs, uncertainty: 0.3 }],
      });
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid=prediction]')?.textContent?.includes(n),
        classes[2].name,
      );
      const text = await page.textContent('[data-testid=prediction]');
      expect(text).toMatch(new RegExp(`${classes[2].name}81%.*${classes[0].name}12%.*${classes[1].name}5%`));
      expect(await page.textContent('[data-testid=trainer-status]')).toContain('ready · model v1');
      await page.screenshot({ path: shot('classification-prediction') });
      await page.keyboard.press('Enter');
      await waitImage(id + 1);
      await waitFor(
        async () =>
          (await api<{ annotation: { classId: number } | null }>(app.url, `/api/images/${id}`)).annotation?.classId ===
          classes[2].id,
        3000,
        'accepted label',
      );
    } finally {
      trainer.close();
    }
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=trainer-status]')?.textContent?.includes('trainer offline'),
    );
  });

  it("shows the task lock alert on the other task's URL, with a way back", async () => {
    await page.goto(app.url + '/segmentation');
    await page.waitForSelector('[data-testid=task-lock]');
    expect(await page.textContent('[data-testid=task-lock] p')).toBe(
      "The current task is classification. You can't change tasks; to do another task, reset the session.",
    );
    await page.screenshot({ path: shot('task-lock') });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/classification/);
    await page.waitForSelector('[data-testid=class-buttons]');
  });

  it('warns how many annotations a class removal deletes, then removes it (keys follow)', async () => {
    const classes = (await api<{ classes: { id: number; name: string }[] }>(app.url, '/api/classes')).classes;
    const victim = classes[1];
    const usage = await api<{ annotations: number; labels: number }>(app.url, `/api/classes/${victim.id}/usage`);
    expect(usage.labels).toBeGreaterThan(0);
    await page.keyboard.press('c');
    await page.waitForSelector('[data-testid=classes-panel]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Delete');
    await page.waitForSelector('[data-testid=remove-warning]');
    const warning = await page.textContent('[data-testid=remove-warning]');
    expect(warning).toContain(`This deletes ${usage.labels} label`);
    expect(warning).toContain('the model resets');
    await page.screenshot({ path: shot('class-remove-warning') });
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (n) => ![...document.querySelectorAll('[data-testid=class-row]')].some((r) => r.textContent?.includes(n)),
      victim.name,
    );
    const after = (await api<{ classes: { id: number; name: string }[] }>(app.url, '/api/classes')).classes;
    expect(after.map((k) => k.name)).toEqual(classes.filter((k) => k.id !== victim.id).map((k) => k.name));
    expect((await api<{ total: number }>(app.url, `/api/images?label=${victim.id}`)).total).toBe(0);
    await page.keyboard.press('Escape');
    // the class after the removed one now answers to key 2
    const id = await imageId();
    await page.keyboard.press('2');
    await waitImage(id + 1);
    await waitFor(
      async () =>
        (await api<{ annotation: { classId: number } | null }>(app.url, `/api/images/${id}`)).annotation?.classId ===
        classes[2].id,
      3000,
      'label with the shifted key',
    );
  });

  it('screenshots the other views', async () => {
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=keys-overlay]');
    await page.screenshot({ path: shot('keys-overlay') });
    await page.keyboard.press('Escape');
    await page.keyboard.press('c');
    await page.waitForSelector('[data-testid=classes-panel]');
    await page.screenshot({ path: shot('classes-panel') });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+B');
    await page.waitForSelector('[data-testid=thumb]');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid=thumb] img')]
        .slice(0, 8)
        .every((i) => (i as HTMLImageElement).complete),
    );
    await page.screenshot({ path: shot('browse') });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await waitImage(2);
    await page.keyboard.press('Shift+S');
    await page.waitForSelector('[data-testid=stats-page]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot('stats') });
    await page.keyboard.press('Shift+P');
    await page.waitForSelector('[data-testid=key-remap]');
    await page.screenshot({ path: shot('settings') });
  });

  it('remaps a key in settings (stored in the browser) and the new key works', async () => {
    // on the settings page: the first action is "Show all keys"; Enter records a new key for it
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=press a key…');
    await page.keyboard.press('h');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=key-remap] tr.selected')?.textContent?.includes('H'),
    );
    await page.keyboard.press('h');
    await page.waitForSelector('[data-testid=keys-overlay]');
    await page.keyboard.press('Escape');
    await page.reload();
    await page.waitForSelector('[data-testid=key-remap]');
    await page.keyboard.press('h');
    await page.waitForSelector('[data-testid=keys-overlay]');
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Backspace'); // restore the default keys
    await page.waitForFunction(
      () => !document.querySelector('[data-testid=key-remap] tr.selected')?.textContent?.includes('H'),
    );
  });

  it('resets the session from settings with a typed confirmation (nothing deleted)', async () => {
    await page.focus('[data-testid=reset-confirm]');
    await page.keyboard.type(app.name);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=task-segmentation]'); // home offers both tasks again
    const s = await api<{ task: string | null; counts: { labelled: number } }>(app.url, '/api/session');
    expect(s.task).toBeNull();
    expect(s.counts.labelled).toBe(0);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(app.dir + '/sessions').some((d) => d.startsWith(app.name + '.'))).toBe(true);
  });
});
