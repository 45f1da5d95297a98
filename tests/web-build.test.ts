// `hilt serve` / `hilt start` build the web app when dist/web is missing or older than web/, so the
// README's `npm install && npx hilt start` opens a working UI without a separate build step.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWebBuilt, webStale } from '../server/web-build.ts';
import { makeSession, tempDir } from './helpers/fixtures.ts';
import { hilt, type Child } from './helpers/peers.ts';

const tmp = tempDir('hilt-web-');
const children: Child[] = [];
afterAll(async () => {
  for (const c of children) await c.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('building the web app on demand', () => {
  it('builds when missing, skips when fresh, rebuilds when older than web/', async () => {
    const out = join(tmp, 'web-a');
    expect(webStale(out)).toBe(true);
    expect(await ensureWebBuilt({ out })).toBe(true);
    const index = join(out, 'index.html');
    expect(readFileSync(index, 'utf8')).toMatch(/<script type="module"[^>]+src="\/assets\/[^"]+\.js"/);
    expect(webStale(out)).toBe(false);
    const built = statSync(index).mtimeMs;
    expect(await ensureWebBuilt({ out })).toBe(false);
    expect(statSync(index).mtimeMs).toBe(built);
    // a bundle older than its sources (a pull, an edit) is rebuilt
    utimesSync(index, new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(webStale(out)).toBe(true);
    expect(await ensureWebBuilt({ out })).toBe(true);
  }, 120_000);

  it('`hilt serve` on a checkout without dist/web builds it and serves the app at /', async () => {
    const sessions = join(tmp, 'sessions');
    await makeSession(sessions, 'pets', 2);
    const out = join(tmp, 'web-b');
    const srv = hilt(['serve', '--session', 'pets', '--sessions-dir', sessions, '--port', '0'], { HILT_WEB_DIR: out });
    children.push(srv);
    const [, url] = await srv.waitForLine(/listening on (http:\/\/\S+)/, 120_000);
    expect(srv.out()).toMatch(/building the web app \(first run\)/);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    const res = await fetch(url + '/');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<div id="root">/);
    const deep = await fetch(url + '/classification?id=1');
    expect(deep.status).toBe(200);
  }, 150_000);
});
