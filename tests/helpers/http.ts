// Raw HTTP for the security tests: fetch refuses to set Host, Origin and friends the way an attacker would.
import http, { type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../common/protocol.ts';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: any;
}

export function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      base + path,
      {
        method,
        headers: { ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface SocketPeer {
  ws: WebSocket;
  frames: any[];
  next(type: string, ms?: number): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
}

/** A socket that says hello as `role` (extra fields merged into the hello) and records what comes back. */
export function socketPeer(
  base: string,
  role: 'browser' | 'trainer',
  hello: object = {},
  opts: WebSocket.ClientOptions = {},
  query = '',
): Promise<SocketPeer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws' + query, opts);
    const frames: any[] = [];
    const waiters: { type: string; fn: (f: any) => void }[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      const w = waiters.findIndex((x) => x.type === f.type);
      if (w >= 0) waiters.splice(w, 1)[0].fn(f);
      else frames.push(f);
    });
    ws.on('error', reject);
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION, role, ...hello }));
      resolve({
        ws,
        frames,
        closed,
        next(type, ms = 5000) {
          const i = frames.findIndex((f) => f.type === type);
          if (i >= 0) return Promise.resolve(frames.splice(i, 1)[0]);
          return new Promise((res, rej) => {
            const t = setTimeout(
              () => rej(new Error(`no ${type} frame within ${ms} ms (got ${frames.map((f) => f.type).join(', ')})`)),
              ms,
            );
            waiters.push({
              type,
              fn: (f) => {
                clearTimeout(t);
                res(f);
              },
            });
          });
        },
      });
    });
  });
}
