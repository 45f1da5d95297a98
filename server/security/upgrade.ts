// The socket upgrade gets the same checks as a request (P9): Host allow-list and Origin (always: a
// browser sends it on every WebSocket, and a foreign page must not open one as a trainer or a browser),
// and the credential a browser brings along (the sign-in cookie), a bearer header or `?token=`.
// `recheck` says whether that credential still resolves: the hub closes sockets whose credential was
// revoked or signed out.
import type { IncomingMessage } from 'node:http';
import type { Ctx } from '../context.ts';
import { bearer, cookieFrom, cookieName, credentialOf, failed, mustWait, type Credential } from './auth.ts';
import { TOO_MANY } from './backoff.ts';
import { hostOriginProblem } from './guard.ts';

export interface UpgradeCheck {
  problem: string | null;
  cred: Credential | null;
  recheck: () => boolean;
  client: string;
}

export function checkUpgrade(ctx: Ctx, req: IncomingMessage, url: URL): UpgradeCheck {
  const h = req.headers,
    config = ctx.config;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const client = req.socket.remoteAddress ?? 'unknown';
  let problem =
    hostOriginProblem(ctx, { host: one(h.host), origin: one(h.origin), secFetchSite: one(h['sec-fetch-site']) }, true)
      ?.message ?? null;
  const given = bearer(one(h.authorization)) ?? url.searchParams.get('token');
  const sid = cookieFrom(one(h.cookie), cookieName(config));
  const fromCookie = sid !== null && given === null;
  const current = () => credentialOf(config, fromCookie ? config.signins.token(sid) : given);
  if (given !== null && !problem) {
    const wait = mustWait(config, client);
    if (wait) problem = `${TOO_MANY} (${wait} s)`;
  }
  const cred = problem ? null : current();
  if (given !== null && !cred && !problem) failed(config, client);
  return { problem, cred, recheck: () => current() !== null, client };
}
