// The web app is built by Vite into dist/web. `hilt serve` / `hilt start` (and the e2e tests) build it
// when it is missing or older than its sources, so `npm install && npx hilt start` opens a working UI.
// One builder at a time: a lock folder next to the output, waited on by the others.
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_WEB_DIR = join(ROOT, 'dist', 'web');

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

/** The sources the bundle is made of: web/, the socket protocol it imports, and the Vite config. */
const sources = () =>
  Math.max(
    newest(join(ROOT, 'web')),
    newest(join(ROOT, 'server', 'protocol.ts')),
    newest(join(ROOT, 'vite.config.ts')),
  );

export function webStale(out = DEFAULT_WEB_DIR): boolean {
  const index = join(out, 'index.html');
  return !existsSync(index) || statSync(index).mtimeMs < sources();
}

/** Build `out` with Vite's API when it is missing or stale; returns whether a build ran. */
export async function ensureWebBuilt(opts: { out?: string; log?: (line: string) => void } = {}): Promise<boolean> {
  const out = opts.out ?? DEFAULT_WEB_DIR;
  if (!webStale(out)) return false;
  const lock = `${out}.build-lock`;
  mkdirSync(dirname(out), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // another process is building: wait for it (a lock older than 3 min is a crashed build)
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000) {
        rmdirSync(lock);
        continue;
      }
      await new Promise((r) => setTimeout(r, 300));
      if (!webStale(out)) return false;
    }
  }
  try {
    if (!webStale(out)) return false;
    const t0 = Date.now();
    opts.log?.(
      existsSync(join(out, 'index.html'))
        ? 'the web app is older than web/: rebuilding it…'
        : 'building the web app (first run)…',
    );
    const { build } = await import('vite');
    await build({
      configFile: join(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: out, emptyOutDir: true },
    });
    opts.log?.(`web app built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return true;
  } finally {
    rmdirSync(lock);
  }
}
