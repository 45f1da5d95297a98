// Off loopback in real Chromium: the app is behind a sign-in (form or ?token= link); once signed in the
// web app's own requests and its socket work as on loopback, and a per-annotator token names who labels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { addToken, tokensFile } from '../../server/security/tokens.ts';
import { fakeTrainer, launch, startApp, waitFor, type App } from './helpers.ts';

const TOKEN = 'e2e-server-token';
let app: App;
let browser: Browser;
const authed = (path: string) =>
  fetch(app.url + path, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.json());

beforeAll(async () => {
  app = await startApp({ count: 12, host: '0.0.0.0', token: TOKEN });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('sign-in off loopback (e2e, Chromium)', () => {
  it('sends a browser without a credential to /signin, and signs it in with the token', async () => {
    const page = await browser.newPage();
    await page.goto(app.url + '/');
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.fill('input[name=token]', 'wrong');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toContain('not valid');
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=task-classification]');
    expect(new URL(page.url()).pathname).toBe('/');
    // the socket got through with the cookie: the trainer's status reaches the page
    const trainer = await fakeTrainer(app.url, TOKEN);
    trainer.send({
      type: 'status',
      status: { phase: 'ready', embedded: 12, total: 12, device: 'cpu', backbone: 'tiny', modelVersion: 3 },
    });
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=trainer-status]')?.textContent?.includes('ready'),
    );
    expect(await page.isVisible('[data-testid=offline-banner]')).toBe(false);
    trainer.close();
    await page.close();
  });

  it('a per-annotator ?token= link signs in, drops the token from the address, and labels as that annotator', async () => {
    const alice = addToken(tokensFile(join(app.dir, 'sessions')), 'alice');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/?token=${alice}`);
    await page.waitForSelector('[data-testid=task-classification]');
    expect(page.url()).not.toContain(alice);
    await page.keyboard.press('1'); // opens classification (locks the task)
    await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#1');
    await page.keyboard.press('2'); // labels image 1 with the second class
    await waitFor(async () => (await authed('/api/images/1')).annotation !== null, 5000, 'the label on the server');
    expect((await authed('/api/images/1')).annotation.annotator).toBe('alice');
    await context.close();
  });
});
