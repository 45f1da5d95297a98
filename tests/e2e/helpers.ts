// Shared by the e2e tests and bench/paint.ts: build the web app when stale, start the real server on a
// temp sessions dir with the demo session, launch Chromium, and a fake trainer socket.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import WebSocket from 'ws';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.HILT_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'tests', 'e2e', 'screenshots');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Build dist/web with Vite's API when it is missing or older than web/ (one builder at a time). */
export async function ensureBuilt(): Promise<string> {
  const out = join(ROOT, 'dist', 'web');
  const index = join(out, 'index.html');
  const stale = () => !existsSync(index) || statSync(index).mtimeMs < Math.max(newest(join(ROOT, 'web')), statSync(join(ROOT, 'server', 'protocol.ts')).mtimeMs);
  if (!stale()) return out;
  const lock = join(ROOT, 'dist', '.web-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (let i = 0; ; i++) {
    try { mkdirSync(lock); break; } catch {
      // another test file is building: wait for it (a lock older than 3 min is a crashed build)
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000) { rmdirSync(lock); continue; }
      await new Promise((r) => setTimeout(r, 500));
      if (!stale()) return out;
    }
  }
  try {
    if (stale()) {
      const { build } = await import('vite');
      await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
    }
  } finally { rmdirSync(lock); }
  return out;
}

export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the e2e tests need it. Install it (Debian/Ubuntu: apt-get install -y chromium) or set HILT_CHROMIUM.`);
  }
  return CHROMIUM;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireChromium(), headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface App {
  url: string; dir: string; name: string;
  /** stop only the server (the session stays), and start it again on the same port */
  stop(): Promise<void>; restart(): Promise<void>;
  close(): Promise<void>;
}

/** The demo session (unlabelled shape images) served by the real server on a free port. */
export async function startApp(opts: { name?: string; count?: number; host?: string; token?: string } = {}): Promise<App> {
  const webDir = await ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'hilt-e2e-'));
  const sessionsDir = join(dir, 'sessions');
  mkdirSync(sessionsDir, { recursive: true });
  const name = opts.name ?? 'demo';
  const { createDemoSession } = await import('../../scripts/make-demo.ts');
  // the generated pictures are shared between runs (a git-ignored folder), the session is fresh
  await createDemoSession(sessionsDir, name, { count: opts.count ?? 60, dataDir: join(ROOT, '.tmp', `demo-${opts.count ?? 60}`) });
  const { startServer } = await import('../../server/serve.ts');
  // off loopback (host 0.0.0.0) the browser still opens 127.0.0.1, and every request needs the token
  const host = opts.host ?? '127.0.0.1';
  let srv: Awaited<ReturnType<typeof startServer>> | null = await startServer({ sessionsDir, session: name, port: 0, host, token: opts.token, webDir, log: () => {} });
  const port = srv.port;
  return {
    url: `http://127.0.0.1:${port}`, dir, name,
    async stop() { await srv?.close(); srv = null; },
    async restart() { await srv?.close(); srv = await startServer({ sessionsDir, session: name, port, host, token: opts.token, webDir, log: () => {} }); },
    async close() { await srv?.close(); srv = null; rmSync(dir, { recursive: true, force: true }); },
  };
}

/** A fake trainer: says hello as a trainer, then sends whatever the test wants. */
export async function fakeTrainer(url: string, token?: string): Promise<{ send(msg: object): void; frames: unknown[]; close(): void }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
  const frames: unknown[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
  const { PROTOCOL_VERSION } = await import('../../server/protocol.ts');
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
  const r = await fetch(base + path, { ...init, headers: { 'Content-Type': 'application/json', ...(init?.headers ?? {}) } });
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<T>;
}

export function shot(name: string): string {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, `${name}.png`);
}
