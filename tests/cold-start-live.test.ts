// Issue 13, the first picks of a session: the cold start needs features, not a model, so a trainer that has
// embedded the pool publishes its lists before any label — `uncertain` (and `mix`, the default, for four picks in five) offers the typical
// image of a cluster with no label yet from the very first image, and keeps doing so while fewer than two
// classes have labels (before, it fell back to sequential order until the first fit).
// The real server and the real trainer (child process, tiny backbone) on generated demo pictures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createDemoSession } from '../scripts/make-demo.ts';
import { serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer, hilt, type BrowserPeer, type Child } from './helpers/peers.ts';

const N = 80;
let dir: string;
let srv: TestServer;
let trainer: Child;
let br: BrowserPeer;

beforeAll(async () => {
  dir = tempDir();
  await createDemoSession(dir, 'cold', { count: N, dataDir: join(dir, 'data'), cue: 'colour' });
  srv = await serveSession(dir, 'cold');
  await srv.api('PUT', '/api/session/task', { task: 'classification' });
  if (!(await srv.api('GET', '/api/classes')).body.classes.length)
    for (const name of ['a', 'b', 'c', 'd']) await srv.api('POST', '/api/classes', { name });
  br = await browserPeer(srv.url);
  trainer = hilt([
    'train',
    '--session',
    'cold',
    '--sessions-dir',
    dir,
    '--server',
    srv.url.replace('http', 'ws') + '/ws',
    '--backbone',
    'tiny',
    '--offline',
  ]);
  await trainer.waitForLine(/connected to/);
});
afterAll(async () => {
  br?.close();
  await trainer?.stop();
  await srv?.close();
});

describe('cold start before the first model', () => {
  it('with the pool embedded and no label, uncertain offers a typical image of an uncovered cluster, and says so', async () => {
    await br.waitFor((f) => f.type === 'suggestions' && f.strategies.includes('uncertain'), 90_000);
    const first = (await srv.api('GET', '/api/next?strategy=uncertain&annotator=t')).body;
    expect(first.reason).toBe('uncertain');
    expect(first.why).toBe(
      'warming up: typical of a cluster with no label yet; uncertainty picks start once every cluster (up to 50) has a label',
    );
    expect((await srv.api('GET', '/api/next?strategy=typical&annotator=u')).body.reason).toBe('typical');
    const classes: { id: number }[] = (await srv.api('GET', '/api/classes')).body.classes;
    // one label (one class: still no model): the list is republished without the labelled image's cluster
    const before = br.frames.filter((f) => f.type === 'suggestions').length;
    await srv.api('PUT', `/api/images/${first.id}/annotation`, { kind: 'label', classId: classes[0].id });
    await br.waitFor(() => br.frames.filter((f) => f.type === 'suggestions').length > before, 30_000);
    const second = (await srv.api('GET', '/api/next?strategy=uncertain&annotator=t')).body;
    expect(second.reason).toBe('uncertain');
    expect(second.why).toBe(
      'warming up: typical of a cluster with no label yet; uncertainty picks start once every cluster (up to 50) has a label',
    );
    expect(second.id).not.toBe(first.id);
    // strategies that need a model say they have nothing yet, and take the coverage list meanwhile
    const byClass = (await srv.api('GET', `/api/next?strategy=class&class=${classes[0].id}&annotator=v`)).body;
    expect(byClass.reason).toBe(`class: fallback to typical (no list from the trainer yet)`);
    expect(byClass.why).toMatch(/^typical of a cluster/);
  });
});
