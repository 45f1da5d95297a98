// The socket handshake: the first frame is hello (P1), versions must match (P2), a trainer needs the
// server token (P3), one trainer at a time unless the new one asks to replace (P7), and off loopback a
// browser needs a credential (P9). Answers welcome, then a snapshot to a trainer (P5).
import type { WebSocket } from 'ws';
import type { Ctx } from './context.ts';
import type { Client, Hub } from './hub-types.ts';
import { CLOSE, PROTOCOL_VERSION, closeReason, helloSchema, parseFrame } from '../common/protocol.ts';
import { startSnapshot } from './snapshot.ts';
import { credentialOf, failed, mayOpen, mustWait } from './security/auth.ts';
import { TOO_MANY } from './security/backoff.ts';
import { sameSecret } from './security/tokens.ts';
import type { UpgradeCheck } from './security/upgrade.ts';

export const TRAINER_BUSY = 'a trainer is already connected; use --replace to take over';

export function handshake(ctx: Ctx, hub: Hub, ws: WebSocket, text: string, check: UpgradeCheck): Client | null {
  const h = parseFrame(helloSchema, text);
  if (!h.ok) {
    ws.close(CLOSE.badHello, closeReason(`first frame must be hello: ${h.error}`));
    return null;
  }
  const hello = h.msg;
  if (hello.version !== PROTOCOL_VERSION) {
    ws.close(
      CLOSE.incompatible,
      closeReason(`incompatible protocol: server speaks ${PROTOCOL_VERSION}, client ${hello.version}`),
    );
    return null;
  }
  let cred = check.cred;
  let recheck = cred ? check.recheck : undefined;
  if (!cred && hello.token) {
    // a token in the hello is a sign-in attempt like any other: counted, and refused while backing off
    const wait = mustWait(ctx.config, check.client);
    if (wait) {
      ws.close(CLOSE.unauthorised, closeReason(`${TOO_MANY} (${wait} s)`));
      return null;
    }
    const token = hello.token;
    cred = credentialOf(ctx.config, token);
    if (!cred) failed(ctx.config, check.client);
    else recheck = () => credentialOf(ctx.config, token) !== null;
  }
  if (!mayOpen(cred, ctx.session.name)) {
    ws.close(CLOSE.forbidden, closeReason(`forbidden: this token is not for session "${ctx.session.name}"`));
    return null;
  }
  if (hello.role === 'trainer') {
    // a trainer sees every image path and writes every prediction: only the server token will do
    const token = ctx.config.token;
    if (token && !(hello.token && sameSecret(hello.token, token)) && check.cred?.kind !== 'server') {
      ws.close(CLOSE.unauthorised, 'unauthorised: this server needs the session token (--token)');
      return null;
    }
    const sameProcess = !!hello.instance && hub.trainer?.instance === hello.instance; // its old socket went stale
    if (hub.trainer && !hello.replace && !sameProcess) {
      ws.close(CLOSE.trainerBusy, TRAINER_BUSY);
      return null;
    }
  } else if (ctx.config.requireAuth && !cred) {
    ws.close(CLOSE.unauthorised, 'unauthorised: sign in first (the sign-in link, or /signin)');
    return null;
  }
  const client: Client = {
    ws,
    role: hello.role,
    focus: [],
    annotator: cred?.kind === 'annotator' ? cred.name : null,
    instance: hello.instance,
    recheck,
  };
  hub.send(ws, { type: 'welcome', version: PROTOCOL_VERSION, session: ctx.session.name, role: hello.role });
  if (client.role === 'trainer') {
    const old = hub.trainer;
    hub.trainer = client;
    if (old) old.ws.close(CLOSE.replaced, 'replaced by a newer trainer (hilt train --replace)');
    ctx.trainer.online = true;
    startSnapshot(ctx, ws);
    for (const b of hub.browsers) for (const id of b.focus.slice(-1)) hub.send(ws, { type: 'focus', imageId: id });
    hub.toBrowsers({ type: 'trainer', online: true, status: ctx.trainer.status });
  } else {
    hub.browsers.add(client);
    hub.send(ws, { type: 'trainer', online: ctx.trainer.online, status: ctx.trainer.status });
  }
  return client;
}
