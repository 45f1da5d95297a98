// SLIC off the main thread: a few hundred milliseconds for a large photo would stall painting.
import { slic } from './superpixels.ts';

self.onmessage = (e: MessageEvent<{ key: string; data: Uint8ClampedArray; width: number; height: number }>) => {
  const { key, data, width, height } = e.data;
  const sp = slic({ data, width, height, channels: 4 });
  (self as unknown as Worker).postMessage({ key, labels: sp.labels, count: sp.count, width, height }, [
    sp.labels.buffer,
  ]);
};
