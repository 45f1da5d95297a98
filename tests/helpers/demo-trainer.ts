// A demo session (scripts/make-demo.ts) served by the real server, with the real trainer attached as a child
// process, and the true class of every picture by file name: the setting of the end-to-end learning tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoSession } from '../../scripts/make-demo.ts';
import { serveSession, tempDir, type TestServer } from './fixtures.ts';
import { trainerFor, type Child } from './peers.ts';

export interface DemoTrainer {
  dir: string;
  srv: TestServer;
  trainer: Child;
  truth: Map<string, string>;
  stop(): Promise<void>;
}

export async function demoWithTrainer(
  demo: Parameters<typeof createDemoSession>[2],
  backbone: 'tiny' | 'mobilenetv2-imagenet',
  connectMs = 30_000,
): Promise<DemoTrainer> {
  const dir = tempDir();
  const made = await createDemoSession(dir, 'demo', { ...demo, dataDir: join(dir, 'data') });
  const truth = new Map<string, string>();
  for (const line of readFileSync(join(made.dataDir, 'labels.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [p, label] = line.split(',');
    truth.set(p.split('/').pop()!, label);
  }
  const srv = await serveSession(dir, 'demo');
  const trainer = trainerFor(dir, 'demo', srv.url, backbone);
  await trainer.waitForLine(/connected to/, connectMs);
  return {
    dir,
    srv,
    trainer,
    truth,
    stop: async () => {
      await trainer.stop();
      await srv.close();
    },
  };
}
