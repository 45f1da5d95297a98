// Which Host and Origin headers the server answers. A Host allow-list defeats DNS rebinding (a foreign
// name resolving to this server); an Origin check defeats cross-site writes (any page the annotator opens
// can POST text/plain to a local server without a preflight). Pure functions; middleware in guard.ts.
import { hostname, networkInterfaces } from 'node:os';

export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\./.test(h);
}

export const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';

/** Host names this server answers to: loopback names, the bound address (every local address and the
 * machine's name for a wildcard bind) and what --allow-host adds. Lower case, IPv6 without brackets. */
export function allowedHosts(bound: string, extra: string[] = []): Set<string> {
  const out = new Set<string>(LOOPBACK_NAMES);
  const add = (h: string) => {
    if (h)
      out.add(
        h
          .replace(/^\[|\]$/g, '')
          .replace(/\.$/, '')
          .toLowerCase(),
      );
  };
  if (isWildcard(bound)) {
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) add(a.address.replace(/%.*$/, ''));
    add(hostname());
  } else {
    add(bound);
    // bound to one network address: the machine's name most likely points at it (auth is required anyway)
    if (!isLoopback(bound)) add(hostname());
  }
  for (const h of extra) add(h);
  return out;
}

/** A Host header's name and port ("a.b:8001" → a.b, 8001; "[::1]" → ::1, null); null when malformed. */
export function splitHost(header: string | undefined): { name: string; port: number | null } | null {
  if (!header) return null;
  const m = /^(?:\[([0-9a-fA-F:.%]+)\]|([^:\[\]\s/@]+))(?::(\d{1,5}))?$/.exec(header.trim());
  if (!m) return null;
  return { name: (m[1] ?? m[2]).replace(/\.$/, '').toLowerCase(), port: m[3] ? Number(m[3]) : null };
}
export const hostName = (header: string | undefined) => splitHost(header)?.name ?? null;

export function hostAllowed(header: string | undefined, allowed: Set<string>): boolean {
  const name = hostName(header);
  if (name === null) return false;
  if (allowed.has(name)) return true;
  // any *.localhost name resolves to loopback by RFC 6761; an attacker cannot point one at us
  return name.endsWith('.localhost') && allowed.has('localhost');
}

/** Normalises an --allow-origin value ("http://x:1/" → "http://x:1"); throws on anything that is not one. */
export function normaliseOrigin(o: string): string {
  const u = new URL(o);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`--allow-origin ${o}: must be http(s)://host[:port]`);
  return u.origin;
}

/**
 * May a request carrying these headers change anything? Same origin (the Origin names the Host the request
 * was sent to, which is itself allow-listed) or a configured origin. Without Origin it is not a browser
 * cross-site request (browsers send Origin on every non-GET fetch and form post), unless Sec-Fetch-Site
 * says otherwise.
 */
export function originAllowed(
  h: { origin?: string; host?: string; secFetchSite?: string },
  allowOrigins: string[],
): boolean {
  if (h.origin === undefined) return h.secFetchSite !== 'cross-site' && h.secFetchSite !== 'same-site';
  if (h.origin === 'null') return false;
  let u: URL;
  try {
    u = new URL(h.origin);
  } catch {
    return false;
  }
  if (allowOrigins.includes(u.origin)) return true;
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  const host = splitHost(h.host);
  const def = u.protocol === 'https:' ? 443 : 80;
  return (
    !!host &&
    host.name === u.hostname.replace(/^\[|\]$/g, '').toLowerCase() &&
    (host.port ?? def) === (u.port ? Number(u.port) : def)
  );
}
