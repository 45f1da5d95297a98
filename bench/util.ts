// Shared benchmark helpers: percentiles, machine description, synthetic session rows, a child server.
import os from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { closeSession, openSession } from '../server/session.ts';
import { images } from '../server/db/schema.ts';

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const median = (xs: number[]) => percentile(xs, 50);
export const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

export function machine() {
  const pkg = (name: string) => {
    try {
      return JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version;
    } catch {
      return null;
    }
  };
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    packages: Object.fromEntries(
      ['hono', 'better-sqlite3', 'drizzle-orm', 'sharp', 'onnxruntime-node', '@huggingface/transformers', 'ws'].map(
        (n) => [n, pkg(n)],
      ),
    ),
  };
}

/** n image rows (no files: the next+save loop and RSS benches never read pixels). */
export function syntheticSession(sessionsDir: string, name: string, n: number): void {
  const s = openSession(sessionsDir, name, { create: true });
  try {
    s.db.transaction((tx) => {
      const now = Date.now();
      for (let i = 0; i < n; i += 1000) {
        const rows = [];
        for (let k = i; k < Math.min(n, i + 1000); k++) {
          rows.push({
            path: `/bench/${name}/img-${k}.jpg`,
            width: 640,
            height: 480,
            sha256: createHash('sha256').update(`${name}-${k}`).digest('hex'),
            bytes: 50_000,
            addedAt: now,
          });
        }
        tx.insert(images).values(rows).run();
      }
    });
  } finally {
    closeSession(s);
  }
}

export interface ChildServer {
  url: string;
  proc: ChildProcess;
  rssMiB(): number;
  stop(): Promise<void>;
}

export function childServer(sessionsDir: string, session: string): Promise<ChildServer> {
  const proc = spawn(
    process.execPath,
    ['bin/hilt.js', 'serve', '--session', session, '--sessions-dir', sessionsDir, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m)
        resolve({
          url: m[1],
          proc,
          rssMiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))![1]) / 1024,
          stop: () =>
            new Promise((r) => {
              proc.once('exit', () => r());
              proc.kill('SIGTERM');
            }),
        });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d) => {
      out += d;
    });
    proc.on('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
}

/** A benchmark file run on its own (`npx tsx bench/x.ts [options]`): its options by commander (with --help). */
export function benchScript(file: string, description: string): Command {
  return new Command(`npx tsx ${file}`).description(description).showHelpAfterError();
}

export function isMain(url: string): boolean {
  return (
    !!process.argv[1] &&
    url === new URL(`file://${process.argv[1].startsWith('/') ? '' : process.cwd() + '/'}${process.argv[1]}`).href
  );
}

/** Runs a benchmark against a live server and trainer: a failure says what the trainer printed last (what
 *  explains a missing frame); afterwards the socket peer, the trainer and the server stop and `root` goes. */
export async function withLiveTrainer<T>(
  p: {
    root: string;
    srv: { close(): Promise<void> };
    trainer: { out(): string; stop(): Promise<void> };
    br: { close(): void };
  },
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw new Error(`${(e as Error).message}; trainer output:\n${p.trainer.out().slice(-2500)}`);
  } finally {
    p.br.close();
    await p.trainer.stop();
    await p.srv.close();
    rmSync(p.root, { recursive: true, force: true });
  }
}
