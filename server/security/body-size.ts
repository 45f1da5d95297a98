// A body declared (Content-Length) over the limit is answered 413 before hono sees it, and the rest of
// the upload is read and thrown away instead of resetting the connection: many clients (Python's
// requests, browsers during an upload) write the whole body before reading, and a reset loses the answer.
// `Expect: 100-continue` clients get the 413 before they send anything.
import type { IncomingMessage, ServerResponse } from 'node:http';

const LINGER_MS = 30_000;
const LINGER_BYTES = 1024 * 1024 * 1024;

export function declaredTooLarge(req: IncomingMessage, limit: number): boolean {
  const n = Number(req.headers['content-length']);
  return Number.isFinite(n) && n > limit;
}

export function rejectTooLarge(req: IncomingMessage, res: ServerResponse, limit: number, expectsContinue = false): void {
  const body = JSON.stringify({ error: { code: 'payload_too_large', message: `request body over ${limit} bytes` } });
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
  // a 100-continue client has sent nothing yet: close at once; otherwise keep the connection until the
  // body has been drained (closing with unread data would make the kernel answer with a reset)
  if (expectsContinue) headers.Connection = 'close';
  res.writeHead(413, headers);
  res.end(body);
  if (expectsContinue) return;
  let seen = 0;
  const stop = () => { clearTimeout(timer); req.socket.destroy(); };
  const timer = setTimeout(stop, LINGER_MS);
  timer.unref();
  req.on('data', (d: Buffer) => { seen += d.length; if (seen > LINGER_BYTES) stop(); });
  req.on('end', () => clearTimeout(timer));
  req.on('error', () => clearTimeout(timer));
  req.resume();
}
