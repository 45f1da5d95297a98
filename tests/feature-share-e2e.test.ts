// The real server and trainer (tiny backbone): two sessions import the same image files; once session a's
// trainer has embedded them, session b's trainer copies a's features instead of embedding.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoSession } from '../scripts/make-demo.ts';
import { POOLED_DTYPE } from '../trainer/features.ts';
import { serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer, hilt, type Child } from './helpers/peers.ts';

let srv: TestServer | undefined;
const trainers: Child[] = [];
afterAll(async () => {
  for (const t of trainers) await t.stop();
  await srv?.close();
});

describe('features shared between sessions', () => {
  it('a second session of the same images embeds none of them', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    await createDemoSession(dir, 'a', { count: 40, dataDir, cue: 'colour' });
    await createDemoSession(dir, 'b', { count: 40, dataDir, cue: 'colour' });
    srv = await serveSession(dir, 'a');
    const train = (session: string) => {
      const t = hilt([
        'train',
        '--session',
        session,
        '--sessions-dir',
        dir,
        '--server',
        srv!.url.replace('http', 'ws') + '/ws',
        '--backbone',
        'tiny',
        '--offline',
      ]);
      trainers.push(t);
      return t;
    };
    const a = train('a');
    await a.waitForLine(/connected to/);
    await srv.api('PUT', '/api/sessions/a/session/task', { task: 'classification' });
    await a.waitForLine(/embedded 40 images in/, 60_000);
    // one cache key folder per session (one backbone): its index holds a 64-byte record per row
    const rows = (s: string) => {
      const [key] = readdirSync(join(dir, s, 'features'));
      return readFileSync(join(dir, s, 'features', key, `pooled-${POOLED_DTYPE}`, 'rows.idx')).length / 64;
    };
    await a.stop(); // writes what is buffered
    const aRows = rows('a');
    expect(aRows).toBe(40);

    await srv.api('PUT', '/api/sessions/b/session/task', { task: 'classification' });
    const b = train('b');
    const br = await browserPeer(srv.url, 'browser', 'b');
    const st = await br.waitFor(
      (x) => x.type === 'trainer' && x.online && x.status?.total === 40 && x.status.embedded === 40,
      60_000,
    );
    expect(st.status.embedded).toBe(40);
    expect(b.out()).toMatch(/reused 40 features from other sessions \(same images, same backbone\)/);
    expect(b.out()).not.toMatch(/embedded \d+ images in/);
    await b.stop();
    expect(rows('b')).toBe(40);
    expect(rows('a')).toBe(aRows);
    br.close();
  }, 120_000);
});
