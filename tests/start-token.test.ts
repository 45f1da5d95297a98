// `hilt start` off loopback: the trainer it launches gets the token through its environment (HILT_TOKEN),
// never on its command line, which every user of the machine can read (ps, /proc/<pid>/cmdline) — and it
// still signs in: the session reports the trainer online.
import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoSession } from '../scripts/make-demo.ts';
import { tempDir } from './helpers/fixtures.ts';
import { hilt, type Child } from './helpers/peers.ts';

const TOKEN = 'tok-' + 'x'.repeat(28);
let app: Child | null = null;
afterAll(async () => {
  await app?.stop();
});

/** Child processes of `pid` with their command lines and environments (Linux /proc). */
function children(pid: number): { pid: number; cmd: string; env: string }[] {
  const out: { pid: number; cmd: string; env: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      out.push({
        pid: Number(d),
        cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' '),
        env: readFileSync(`/proc/${d}/environ`, 'utf8'),
      });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

describe('hilt start with a token', () => {
  it.runIf(process.platform === 'linux')(
    'hands the token to its trainer by environment, not argv, and the trainer signs in',
    async () => {
      const dir = tempDir();
      await createDemoSession(dir, 's', { count: 6, dataDir: join(dir, 'data') });
      app = hilt(
        [
          'start',
          '--session',
          's',
          '--sessions-dir',
          dir,
          '--port',
          '0',
          '--host',
          '0.0.0.0',
          '--token',
          TOKEN,
          '--backbone',
          'tiny',
          '--offline',
        ],
        { HILT_TOKEN: '' },
      );
      const port = Number((await app.waitForLine(/listening on http:\/\/[^:]+:(\d+)/))[1]);
      const url = `http://127.0.0.1:${port}`;
      expect((await fetch(`${url}/api/session`)).status).toBe(401); // off loopback: the token is needed
      let online = false;
      for (let t0 = Date.now(); !online && Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 200))) {
        const s = (await (
          await fetch(`${url}/api/session`, { headers: { Authorization: `Bearer ${TOKEN}` } })
        ).json()) as { trainer: { online: boolean } };
        online = s.trainer.online;
      }
      expect(online).toBe(true);
      const trainer = children(app.proc.pid!).find((c) => c.cmd.includes(' train '));
      expect(trainer, 'the trainer child process').toBeTruthy();
      expect(trainer!.cmd).not.toContain(TOKEN);
      expect(trainer!.env.split('\0')).toContain(`HILT_TOKEN=${TOKEN}`);
    },
    90_000,
  );
});
