// The projects page in real Chromium against the real server serving every session: it lists them, a
// session is added by keyboard (name, task, an import from an import root, with progress), opened, and
// labelled in; the labels land in that session only. Another tab labels the default session at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureBuilt, launch, shot, waitFor, ROOT } from './helpers.ts';
import { canvasPoint } from './seg-helpers.ts';
import { makeImages, makeSession } from '../helpers/fixtures.ts';
import type { Running } from '../../server/serve.ts';

let dir: string;
let srv: Running;
let browser: Browser;
let page: Page;
let images: string;

const get = async (path: string) => (await fetch(srv.url + path)).json();

beforeAll(async () => {
  const webDir = await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hilt-e2e-projects-'));
  const sessionsDir = join(dir, 'sessions');
  const { createDemoSession } = await import('../../scripts/make-demo.ts');
  await createDemoSession(sessionsDir, 'demo', { count: 60, dataDir: join(ROOT, '.tmp', 'demo-60') });
  await makeSession(sessionsDir, 'birds', 4);
  images = join(dir, 'pets-images');
  await makeImages(images, 8);
  const { startServer } = await import('../../server/serve.ts');
  srv = await startServer({
    sessionsDir,
    session: 'demo',
    port: 0,
    webDir,
    home: 'projects',
    importRoots: [dir],
    log: () => {},
  });
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

const rowNames = () => page.$$eval('[data-testid=project-row]', (rows) => rows.map((r) => r.getAttribute('data-name')));
const selected = () => page.$eval('[data-testid=project-row].selected', (r) => r.getAttribute('data-name'));

describe('projects page (e2e, Chromium)', () => {
  it('lists the sessions and moves by keys', async () => {
    await page.goto(srv.url + '/');
    await page.waitForSelector('[data-testid=projects]');
    await waitFor(async () => (await rowNames()).length === 2, 5000, 'two rows');
    expect(await rowNames()).toEqual(['birds', 'demo']);
    expect(await selected()).toBe('birds');
    // the list joins no session's socket (looking at it starts no trainer)
    await new Promise((r) => setTimeout(r, 800));
    expect(srv.registry.peek('demo')?.hub.clients() ?? 0).toBe(0);
    expect(await page.$('[data-testid=offline-banner]')).toBeNull();
    await page.keyboard.press('j');
    expect(await selected()).toBe('demo');
    await page.keyboard.press('k');
    expect(await selected()).toBe('birds');
  });

  it('adds a session by keyboard, with a task and an import', async () => {
    await page.keyboard.press('a');
    await page.waitForSelector('[data-testid=project-create] input[name=name]');
    await page.keyboard.type('pets');
    await page.keyboard.press('Tab');
    await page.keyboard.type('c'); // the task select: type-ahead picks Classification
    await page.keyboard.press('Tab');
    await page.keyboard.type(images);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=project-row][data-name=pets]');
    await waitFor(
      async () => (await get('/api/sessions')).sessions.find((s: any) => s.name === 'pets')?.images === 8,
      20_000,
      'the import of 8 images',
    );
    const pets = (await get('/api/sessions')).sessions.find((s: any) => s.name === 'pets');
    expect(pets).toMatchObject({ task: 'classification', images: 8, labelled: 0 });
    await page.waitForFunction(
      () => document.querySelector('[data-testid=project-row][data-name=pets] td:nth-child(4)')?.textContent === '8',
    );
    expect(await selected()).toBe('pets');
    await page.screenshot({ path: shot('projects') });
  });

  it('opens the new session and labels in it, while another tab paints the demo (segmentation)', async () => {
    await fetch(srv.url + '/api/sessions/pets/classes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cat' }),
    });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/s\/pets\/$/);
    await page.waitForFunction(() => document.querySelector('[data-testid=session-name]')?.textContent === 'pets');
    await page.keyboard.press('Enter'); // home: open the session's task
    await page.waitForURL(/\/s\/pets\/classification/);
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#1');
    // another tab paints the demo session (segmentation) at the same time
    const other = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    await other.goto(srv.url + '/s/demo/');
    await other.waitForSelector('[data-testid=task-segmentation]');
    await other.keyboard.press('2'); // the demo's segmentation
    await other.waitForURL(/\/s\/demo\/segmentation/);
    await other.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#1');
    const { width: W, height: H } = (await get('/api/sessions/demo/images/1')).image;
    await other.keyboard.press('1'); // the first class after the background
    await other.keyboard.press('b');
    const a = await canvasPoint(other, W, H, 20, 30);
    const b = await canvasPoint(other, W, H, 200, 150);
    await other.mouse.move(a.x, a.y);
    await other.mouse.down();
    await Promise.all([page.keyboard.press('1'), other.mouse.move(b.x, b.y, { steps: 4 })]);
    await other.mouse.up();
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#2');
    await other.waitForFunction(
      () => document.querySelector('[data-testid=save-state]')?.textContent === 'all changes saved',
    );
    await waitFor(async () => (await get('/api/sessions/pets/session')).counts.labelled === 1, 5000, 'a pets label');
    const demoMask = await fetch(srv.url + '/api/sessions/demo/images/1/mask');
    expect(demoMask.status).toBe(200);
    expect((await get('/api/sessions/demo/session')).task).toBe('segmentation');
    // pets has no mask, the demo no label: nothing crossed
    expect((await fetch(srv.url + '/api/sessions/pets/images/1/mask')).status).toBe(404);
    expect((await get('/api/sessions/demo/images/1')).annotation).toMatchObject({ kind: 'mask' });
    const img = await get('/api/sessions/pets/images/1');
    const cat = (await get('/api/sessions/pets/classes')).classes.find((c: any) => c.name === 'cat');
    expect(img.annotation).toMatchObject({ kind: 'label', classId: cat.id });
    expect((await get('/api/sessions/birds/session')).counts.labelled).toBe(0);
    // the image the page shows is the session's own
    const src = await page.$eval('[data-testid=stage] img', (i) => (i as HTMLImageElement).src);
    expect(new URL(src).pathname).toBe('/api/sessions/pets/images/2/file');
    // a header link opened in a new tab (middle click) stays in this session
    const stats = page.locator('header a[href$="/stats"]').first();
    await stats.click({ button: 'middle' });
    expect(await stats.getAttribute('href')).toBe('/s/pets/stats');
    await page.screenshot({ path: shot('projects-label') });
    await other.screenshot({ path: shot('projects-seg') });
    await other.close();
  });

  it('renames a session by keyboard; Shift+O goes back to the list', async () => {
    await page.keyboard.press('Shift+O');
    await page.waitForURL(/\/projects$/);
    await page.waitForSelector('[data-testid=project-row][data-name=birds]');
    await page.keyboard.press('r'); // the first row: birds
    await page.waitForSelector('[data-testid=project-rename] input');
    await page.keyboard.type('songbirds');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=project-row][data-name=songbirds]');
    expect(await rowNames()).toEqual(['demo', 'pets', 'songbirds']);
  });

  it('resets a session by keyboard, after a confirmation', async () => {
    expect(await selected()).toBe('songbirds'); // the renamed one stays selected
    await page.keyboard.press('k');
    expect(await selected()).toBe('pets');
    await page.keyboard.press('Shift+R');
    await page.waitForSelector('[data-testid=confirm-dialog]');
    await page.keyboard.press('Enter');
    // (a request that meets the reset itself is answered 503 session_resetting: no counts in that answer)
    await waitFor(async () => (await get('/api/sessions/pets/session')).counts?.labelled === 0, 5000, 'pets reset');
    expect(readdirSync(join(dir, 'sessions')).some((e) => e.startsWith('pets.'))).toBe(true);
    expect((await get('/api/sessions/pets/session')).counts.images).toBe(8);
  });
});
