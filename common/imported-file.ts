// An image file is read only as it was imported: the stored path is resolved, the file it leads to is
// opened without following a symlink swapped in meanwhile (O_NOFOLLOW) nor waiting on a FIFO or device
// (O_NONBLOCK), it must be a regular file of the imported size, and the bytes read must hash to the
// imported sha256. Anything else — a symlink to /etc/passwd, other bytes, a FIFO — is refused, so no
// file but the one imported can be sent, thumbnailed or decoded in its place. Used by the server's
// routes and by the trainer for the files it reads from disk.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';

export interface ImportedRef {
  id: number;
  path: string;
  sha256: string;
  bytes?: number | null;
}

/** why a file can not be served: it is gone (410) or it is not what was imported (409) */
export class FileRefused extends Error {
  constructor(
    public why: 'missing' | 'changed',
    message: string,
  ) {
    super(message);
  }
}

const FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export async function readImported(img: ImportedRef): Promise<Buffer> {
  const changed = () =>
    new FileRefused(
      'changed',
      `the file of image ${img.id} is not the one imported (replaced, linked elsewhere or modified since); import it again to use it`,
    );
  let real: string;
  try {
    real = await realpath(img.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new FileRefused('missing', `the file of image ${img.id} is no longer at ${img.path}`);
    throw changed();
  }
  const fh = await open(real, FLAGS).catch(() => {
    throw changed();
  });
  try {
    const st = await fh.stat();
    if (!st.isFile() || (img.bytes != null && st.size !== img.bytes)) throw changed();
    const data = await fh.readFile();
    if (createHash('sha256').update(data).digest('hex') !== img.sha256) throw changed();
    return data;
  } finally {
    await fh.close();
  }
}
