// A child for tests/feature-store.test.ts: appends N rows (chunks of CHUNK) to a store, says so, then
// waits to be killed with its last rows still buffered.
import { FeatureStore } from '../../trainer/feature-store.ts';

const [dir, n, chunk] = process.argv.slice(2);
const s = new FeatureStore(dir, 'f32', { chunkRows: Number(chunk) });
const sha = (i: number) => i.toString(16).padStart(64, '0');
for (let i = 1; i <= Number(n); i++)
  s.put(
    i,
    sha(i),
    Float32Array.from({ length: 16 }, (_, k) => Math.sin(i * 7 + k) * 3.3),
    { h: 1, w: 1, d: 16 },
  );
process.send!('written');
setInterval(() => {}, 1000);
