// The install policy (package.json allowScripts, npm ≥ 11): every dependency with an install script is
// reviewed, what must build is allowed, onnxruntime-node's CUDA download is denied (its CPU binary ships
// in the package; scripts/install-cuda-provider runs the download on purpose), and no .npmrc key that
// npm does not know is left to warn on every command.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from '../server/web-build.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

describe('install scripts policy', () => {
  it('allows better-sqlite3 and esbuild to build, denies onnxruntime-node and protobufjs', () => {
    expect(pkg.allowScripts).toEqual({
      'better-sqlite3': true,
      esbuild: true,
      'onnxruntime-node': false,
      protobufjs: false,
    });
  });
  it('covers every locked package that has an install script (a new one must be reviewed here)', () => {
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([path, p]) => path && p.hasInstallScript)
      .map(([path]) => path.split('node_modules/').at(-1)!);
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(Object.keys(pkg.allowScripts), name).toContain(name);
  });
  it('leaves no unknown project config in .npmrc (npm warns about those on every command)', () => {
    const npmrc = join(ROOT, '.npmrc');
    if (existsSync(npmrc)) expect(readFileSync(npmrc, 'utf8')).not.toMatch(/onnxruntime-node-install/);
  });
  it('locks no package whose engines exclude the Node floor of package.json (npm warns EBADENGINE on install)', () => {
    const semver = createRequire(import.meta.url)('semver') as {
      minVersion(r: string): { version: string };
      satisfies(v: string, r: string): boolean;
    };
    const floor = semver.minVersion(pkg.engines.node).version;
    const bad = Object.entries(lock.packages as Record<string, { engines?: { node?: string }; optional?: boolean }>)
      .filter(([path, p]) => path && !p.optional && p.engines?.node && !semver.satisfies(floor, p.engines.node))
      .map(([path, p]) => `${path.split('node_modules/').at(-1)} needs node ${p.engines!.node}`);
    expect(bad).toEqual([]);
  });
  it('onnxruntime-node runs on its bundled CPU binary without its install script', () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') return;
    expect(existsSync(join(ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node'))).toBe(
      true,
    );
  });
});
