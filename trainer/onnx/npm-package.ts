// Obtains one pinned npm package tarball without installing it: `npm pack NAME@VERSION` into a cache
// folder, checked against the registry's sha512 integrity, then read with a small ustar reader. This
// keeps packages we only take weights from (nsfwjs → TF.js) out of the runtime dependencies.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const run = promisify(execFile);

export interface PinnedPackage {
  name: string;
  version: string;
  integrity: string;
}

export class PackageFetchError extends Error {
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'PackageFetchError';
  }
}

/** The npm-style integrity string (sha512, base64) of a file, to compare with a pinned package's. */
export function integrityOf(file: string): string {
  return 'sha512-' + crypto.createHash('sha512').update(fs.readFileSync(file)).digest('base64');
}

/** Path of the verified tarball in cacheDir, downloading it with `npm pack` when absent. */
export async function obtainPackage(pkg: PinnedPackage, cacheDir: string): Promise<string> {
  const file = path.join(cacheDir, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
  if (fs.existsSync(file) && integrityOf(file) === pkg.integrity) return file;
  // a private temp folder per caller: concurrent test workers never see each other's half-written file
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheDir, '.pack-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    try {
      await run(npm, ['pack', `${pkg.name}@${pkg.version}`, '--silent', '--pack-destination', tmp], {
        timeout: 300_000,
        maxBuffer: 1 << 20,
      });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      const why =
        (err.stderr || err.message).split('\n').find((l) => /ERR|error|ENOTFOUND|ETIMEDOUT|ECONN/i.test(l)) ??
        err.message;
      throw new PackageFetchError(
        `npm pack ${pkg.name}@${pkg.version} failed (is the npm registry reachable?): ${why.trim().slice(0, 300)}`,
        e,
      );
    }
    const got = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!got) throw new PackageFetchError(`npm pack ${pkg.name}@${pkg.version} wrote no tarball`);
    const actual = integrityOf(path.join(tmp, got));
    if (actual !== pkg.integrity) {
      throw new PackageFetchError(
        `${pkg.name}@${pkg.version}: integrity mismatch (expected ${pkg.integrity.slice(0, 24)}…, got ${actual.slice(0, 24)}…); refusing to use it`,
      );
    }
    fs.renameSync(path.join(tmp, got), file);
    return file;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Reads the named entries (paths inside the tarball, e.g. "package/dist/x.js") from a .tgz. */
export function readTarGz(file: string, wanted: string[]): Map<string, Buffer> {
  const tar = zlib.gunzipSync(fs.readFileSync(file));
  const want = new Set(wanted);
  const out = new Map<string, Buffer>();
  let paxPath: string | null = null;
  for (let off = 0; off + 512 <= tar.length && out.size < want.size;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) =>
      h
        .subarray(a, a + n)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = str(345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    const body = tar.subarray(off + 512, off + 512 + size);
    paxPath = null;
    if (type === 'x') {
      // pax extended header: "LEN path=VALUE\n" records; only the path matters to us
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) paxPath = m[1];
    } else if ((type === '0' || type === '\0') && want.has(name)) {
      out.set(name, Buffer.from(body));
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  const missing = wanted.filter((w) => !out.has(w));
  if (missing.length) throw new PackageFetchError(`${path.basename(file)} lacks ${missing.join(', ')}`);
  return out;
}
