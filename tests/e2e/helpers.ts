// Shared by the e2e tests and bench/paint.ts: build the web app when stale, start the real server on a
// temp sessions dir with the demo session, launch Chromium, and a fake trainer socket.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { DEFAULT_WEB_DIR, ensureWebBuilt } from '../../server/web-build.ts';
import type { Ctx } from '../../server/context.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.HILT_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'tests', 'e2e', 'screenshots');

/** dist/web, built when missing or older than web/ (the same rule `hilt serve` follows). */
export async function ensureBuilt(): Promise<string> {
  await ensureWebBuilt();
  return DEFAULT_WEB_DIR;
}

export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the e2e tests need it. Install it (Debian/Ubuntu: apt-get install -y chromium) or set HILT_CHROMIUM.`,
    );
  }
  return CHROMIUM;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export interface App {
  url: string;
  dir: string;
  name: string;
  /** stop only the server (the session stays), and start it again on the same port */
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
  /** the running server's context (to change its state behind the browser's back) */
  ctx(): Ctx;
}

/** The demo session (unlabelled shape images) served by the real server on a free port. */
export async function startApp(
  opts: { name?: string; count?: number; host?: string; token?: string } = {},
): Promise<App> {
  const webDir = await ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'hilt-e2e-'));
  const sessionsDir = join(dir, 'sessions');
  mkdirSync(sessionsDir, { recursive: true });
  const name = opts.name ?? 'demo';
  const { createDemoSession } = await import('../../scripts/make-demo.ts');
  // the generated pictures are shared between runs (a git-ignored folder), the session is fresh
  await createDemoSession(sessionsDir, name, {
    count: opts.count ?? 60,
    dataDir: join(ROOT, '.tmp', `demo-${opts.count ?? 60}`),
  });
  const { startServer } = await import('../../server/serve.ts');
  // off loopback (host 0.0.0.0) the browser still opens 127.0.0.1, and every request needs the token
  const host = opts.host ?? '127.0.0.1';
  let srv: Awaited<ReturnType<typeof startServer>> | null = await startServer({
    sessionsDir,
    session: name,
    port: 0,
    host,
    token: opts.token,
    webDir,
    log: () => {},
  });
  const port = srv.port;
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    name,
    ctx: () => srv!.ctx,
    async stop() {
      await srv?.close();
      srv = null;
    },
    async restart() {
      await srv?.close();
      srv = await startServer({ sessionsDir, session: name, port, host, token: opts.token, webDir, log: () => {} });
    },
    async close() {
      await srv?.close();
      srv = null;
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** Start the page's browser on `strategy`, as if chosen there before (tests written against a fixed starting
 *  point, not against the session's default); a choice made during the test is kept across reloads. */
export async function pinStrategy(page: Page, strategy = 'sequential'): Promise<void> {
  await page.addInitScript((s) => {
    if (localStorage.getItem('hilt.strategy') === null) localStorage.setItem('hilt.strategy', JSON.stringify(s));
  }, strategy);
}

/** A fake trainer: says hello as a trainer, then sends whatever the test wants. */
export async function fakeTrainer(
  url: string,
  token?: string,
): Promise<{ send(msg: object): void; frames: unknown[]; close(): void }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
  const frames: unknown[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const { PROTOCOL_VERSION } = await import('../../common/protocol.ts');
  ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION, role: 'trainer', ...(token ? { token } : {}) }));
  await waitFor(() => frames.some((f) => (f as { type: string }).type === 'welcome'), 5000, 'trainer welcome');
  return { send: (m) => ws.send(JSON.stringify(m)), frames, close: () => ws.close() };
}

export async function waitFor(fn: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function api<T = unknown>(base: string, path: string, init?: RequestInit): Promise<T> {
  const r = await fetch(base + path, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(init?.headers ?? {}) },
  });
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<T>;
}

/** Screenshot options for the canvas's own pixels: the notes (toasts) that float over it are left out. */
export const CANVAS_ONLY = { style: '.toasts { visibility: hidden !important; }' };

export function shot(name: string): string {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, `${name}.png`);
}

export interface Classifying {
  app: App;
  browser: Browser;
  page: Page;
  classes: { id: number; name: string }[];
}

/** A fresh demo-like session of `count` images in Chromium, classification chosen on the home page, the
 *  first image shown; `strategy` pins the starting strategy (pinStrategy), none keeps the session default.
 *  `bad` collects page errors, console errors and HTTP errors (else page errors are printed); `countMouse`
 *  counts mouse events in `window.mouseEvents` (keyboard-only walk-throughs assert it stays 0). */
export async function openClassifying(opts: {
  count: number;
  strategy?: string;
  height?: number;
  bad?: string[];
  countMouse?: boolean;
}): Promise<Classifying> {
  const app = await startApp({ count: opts.count });
  const browser = await launch();
  // Playwright evaluates waitForFunction predicates from strings, which the app's CSP (no 'unsafe-eval') refuses;
  // the app under its own CSP, with no bypass, is what tests/e2e/safety.test.ts checks
  const page = await browser.newPage({ bypassCSP: true, viewport: { width: 1360, height: opts.height ?? 860 } });
  if (opts.strategy) await pinStrategy(page, opts.strategy);
  const bad = opts.bad;
  if (bad) {
    page.on('pageerror', (e) => bad.push('pageerror: ' + e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') bad.push('console: ' + m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) bad.push(`HTTP ${r.status()} ${r.url()}`);
    });
  } else page.on('pageerror', (e) => console.error('pageerror:', e.message));
  if (opts.countMouse) await countMouse(page);
  await page.goto(app.url + '/');
  await page.waitForSelector('[data-testid=task-classification]');
  await page.keyboard.press('1');
  await page.waitForFunction(() => document.querySelector('[data-testid=image-id]')?.textContent === '#1');
  const classes = (await api<{ classes: { id: number; name: string }[] }>(app.url, '/api/classes')).classes;
  return { app, browser, page, classes };
}

/** Counts every mouse event the page sees in `window.mouseEvents` (keyboard-only walk-throughs assert 0). */
export async function countMouse(page: Page): Promise<void> {
  await page.addInitScript(() => {
    (window as unknown as { mouseEvents: number }).mouseEvents = 0;
    for (const t of ['mousedown', 'mouseup', 'click', 'pointerdown', 'wheel'])
      window.addEventListener(
        t,
        () => {
          (window as unknown as { mouseEvents: number }).mouseEvents++;
        },
        true,
      );
  });
}
