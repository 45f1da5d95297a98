// Per-annotator tokens: `hilt token add NAME` stores sha256(token) in <sessions dir>/tokens.json (0600)
// and prints the token once. The server re-reads the file when it changes, so adding or removing a
// token needs no restart. Tokens are 192 random bits, so a plain hash is enough (no slow KDF needed).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TokenEntry {
  name: string;
  sha256: string;
  created: string;
  /** the sessions this token may open; absent: every session */
  sessions?: string[];
}
interface TokenFile {
  version: 1;
  tokens: TokenEntry[];
}

export const NAME_RE = /^[\p{L}\p{N}][\p{L}\p{N} _.@-]{0,63}$/u;
export const tokensFile = (sessionsDir: string) => join(sessionsDir, 'tokens.json');
const hash = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => 'hilt_' + randomBytes(24).toString('base64url');

function read(file: string): TokenFile {
  if (!existsSync(file)) return { version: 1, tokens: [] };
  const j = JSON.parse(readFileSync(file, 'utf8')) as TokenFile;
  if (!j || !Array.isArray(j.tokens)) throw new Error(`${file} is not a hilt tokens file`);
  return j;
}

function write(file: string, data: TokenFile): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file); // atomic: a server reading it never sees half a file
}

/** Adds (or replaces) the token of `name`; returns the new token, which is stored only as a hash. */
export function addToken(file: string, name: string, sessions?: string[]): string {
  if (!NAME_RE.test(name)) throw new Error(`invalid annotator name "${name}" (1–64 letters, digits, space, _ . @ -)`);
  const data = read(file);
  const token = newToken();
  data.tokens = data.tokens.filter((t) => t.name !== name);
  data.tokens.push({
    name,
    sha256: hash(token),
    created: new Date().toISOString(),
    ...(sessions?.length ? { sessions } : {}),
  });
  write(file, data);
  return token;
}

export function removeToken(file: string, name: string): boolean {
  const data = read(file);
  const before = data.tokens.length;
  data.tokens = data.tokens.filter((t) => t.name !== name);
  if (data.tokens.length === before) return false;
  write(file, data);
  return true;
}

export function listTokens(file: string): { name: string; created: string; sessions?: string[] }[] {
  return read(file).tokens.map(({ name, created, sessions }) => ({ name, created, sessions }));
}

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The server's view of the tokens file: annotator name by token, reloaded when the file changes. */
export function tokenStore(file: string, log: (l: string) => void = () => {}) {
  let byHash = new Map<string, { name: string; sessions: string[] | null }>();
  let stamp = '';
  let checked = 0;
  const refresh = () => {
    const now = Date.now();
    if (now - checked < 1000) return;
    checked = now;
    let s = 'none';
    try {
      const st = statSync(file);
      s = `${st.mtimeMs}:${st.size}`;
    } catch {
      /* no file: no tokens */
    }
    if (s === stamp) return;
    stamp = s;
    try {
      byHash = new Map(
        read(file).tokens.map((t) => [
          t.sha256,
          { name: t.name, sessions: Array.isArray(t.sessions) ? t.sessions.map(String) : null },
        ]),
      );
    } catch (e) {
      log(`cannot read ${file}: ${(e as Error).message}; per-annotator tokens disabled until it is fixed`);
      byHash = new Map();
    }
  };
  return {
    /** the annotator a token belongs to and the sessions it is limited to (null: all), or null */
    lookup(token: string): { name: string; sessions: string[] | null } | null {
      refresh();
      return byHash.get(hash(token)) ?? null;
    },
    get size() {
      refresh();
      return byHash.size;
    },
  };
}
export type TokenStore = ReturnType<typeof tokenStore>;
