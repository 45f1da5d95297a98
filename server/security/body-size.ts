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

export function rejectTooLarge(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  expectsContinue = false,
): void {
  const body = JSON.stringify({ error: { code: 'payload_too_large', message: `request body over ${limit} bytes` } });
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  };
  if (expectsContinue) {
    // the client has sent nothing yet and will not: answer and close
    res.writeHead(413, { ...headers, Connection: 'close' });
    res.end(body);
    return;
  }
  // The whole answer goes out now, but the response is ended only once the body has been drained: node
  // closes a finished response's socket, and closing with unread data makes the kernel send a reset
  // that destroys the answer still waiting in the client's buffer.
  res.writeHead(413, headers);
  res.write(body);
  let seen = 0;
  const done = () => {
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const stop = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(stop, LINGER_MS);
  timer.unref();
  req.on('data', (d: Buffer) => {
    seen += d.length;
    if (seen > LINGER_BYTES) stop();
  });
  req.on('end', done);
  req.on('error', stop);
  req.resume();
}
