// Without the model hub, the default DINOv3 backbone cannot load: the trainer says so (UI status), and only
// the demo session (or --backbone tiny) falls back to the tiny random-weight backbone, labelled as such.
import { afterAll, describe, expect, it } from 'vitest';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer, hilt, type Child } from './helpers/peers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => { for (const c of cleanup.reverse()) await c(); });

async function run(session: string): Promise<{ srv: TestServer; trainer: Child }> {
  const dir = tempDir();
  await makeSession(dir, session, 4);
  const srv = await serveSession(dir, session);
  const trainer = hilt(['train', '--session', session, '--sessions-dir', dir, '--server', srv.url.replace('http', 'ws') + '/ws', '--offline']);
  cleanup.push(async () => { await trainer.stop(); await srv.close(); });
  return { srv, trainer };
}

describe('default backbone offline', () => {
  it('a normal session gets an error status naming the fix, and the trainer stays connected', async () => {
    const { srv } = await run('pets');
    const br = await browserPeer(srv.url);
    const f = await br.waitFor((x) => x.type === 'trainer' && x.status?.phase === 'error', 60_000);
    expect(f.online).toBe(true);
    expect(f.status.message).toMatch(/dinov3-vits16/);
    expect(f.status.message).toMatch(/fetch-model|--backbone tiny/);
    br.close();
  });
  it('the demo session falls back to tiny and says so in the status', async () => {
    const { srv, trainer } = await run('demo');
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    const br = await browserPeer(srv.url);
    const f = await br.waitFor((x) => x.type === 'trainer' && x.status?.backbone === 'tiny' && x.status.phase !== 'loading', 60_000);
    expect(f.status.backboneNote).toMatch(/FALLBACK/);
    expect(f.status.backboneNote).toMatch(/random-weight/);
    expect(trainer.out()).toMatch(/FALLBACK/);
    br.close();
  });
});
