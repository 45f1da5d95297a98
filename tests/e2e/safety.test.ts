// Safe by default, in real Chromium: the built app runs under its Content-Security-Policy with no
// violation (classification, browse, stats, settings, segmentation with its worker), a foreign page can
// not frame it, and a display name in any script (Cyrillic here) keeps the browser working and labels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { api, launch, shot, startApp, waitFor, type App } from './helpers.ts';

let app: App;
let browser: Browser;
const problems: string[] = [];

/** A page that records CSP violations, page errors, console errors and failed requests. */
async function watched(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push('console: ' + m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return page;
}
const imageShown = (page: Page, id: number) =>
  page.waitForFunction((id) => document.querySelector('[data-testid=image-id]')?.textContent === `#${id}`, id);

beforeAll(async () => {
  app = await startApp({ count: 12 });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('safe by default (e2e, Chromium)', () => {
  it('the app works under its CSP with no violation, and a name in Cyrillic labels', async () => {
    const page = await watched();
    await page.goto(app.url + '/settings');
    const name = 'Иван Петров';
    await page.fill('input[aria-label="annotator name"]', name);
    await page.click('section.card form button[type=submit]');
    await waitFor(
      async () => (await page.textContent('body'))!.includes(`Labelling as ${name}`),
      5000,
      'the name saved',
    );
    await page.goto(app.url + '/');
    await page.waitForSelector('[data-testid=task-classification]');
    await page.keyboard.press('1');
    await imageShown(page, 1);
    await page.keyboard.press('2');
    await imageShown(page, 2);
    await waitFor(
      async () => (await api<any>(app.url, '/api/images/1')).annotation !== null,
      5000,
      'the label on the server',
    );
    expect((await api<any>(app.url, '/api/images/1')).annotation.annotator).toBe(name);
    for (const path of ['/browse', '/stats', '/settings']) {
      await page.goto(app.url + path);
      await page.waitForLoadState('networkidle');
    }
    await page.screenshot({ path: shot('safety-settings-cyrillic') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('segmentation (canvas, superpixel worker) works under the CSP too', async () => {
    expect(
      (
        await fetch(`${app.url}/api/session/reset`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ confirm: app.name }),
        })
      ).status,
    ).toBe(200);
    const page = await watched();
    await page.goto(app.url + '/');
    await page.waitForSelector('[data-testid=task-segmentation]');
    await page.keyboard.press('2');
    await imageShown(page, 1);
    await page.keyboard.press('2'); // a class
    await page.keyboard.press('b');
    const box = (await page.locator('[data-testid=seg-canvas]').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(
      () => document.querySelector('[data-testid=save-state]')?.textContent === 'all changes saved',
      undefined,
      { timeout: 8000 },
    );
    expect((await fetch(`${app.url}/api/images/1/mask`)).status).toBe(200);
    // the superpixel tool computes its regions in a worker (worker-src)
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await page.keyboard.press('r');
    await page.mouse.click(box.x + box.width * 0.8, box.y + box.height * 0.2);
    await waitFor(() => workers.length > 0, 5000, 'the superpixel worker');
    await page.waitForTimeout(500);
    await page.screenshot({ path: shot('safety-segmentation') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a page on another origin can not frame the app', async () => {
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><h1>win a prize</h1><iframe id="f" src="${app.url}/" width="800" height="600"></iframe>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    try {
      const page = await browser.newPage();
      const refused: string[] = [];
      page.on('console', (m) => {
        if (/frame|frame-ancestors|X-Frame-Options/i.test(m.text())) refused.push(m.text());
      });
      await page.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
      await page.waitForTimeout(1500);
      const framed = page.frames().find((f) => f !== page.mainFrame());
      const loaded = framed ? await framed.evaluate(() => !!document.querySelector('#root')).catch(() => false) : false;
      expect(loaded).toBe(false);
      expect(refused.join('\n')).toMatch(/frame-ancestors|X-Frame-Options/);
      await page.close();
    } finally {
      evil.close();
    }
  });
});
