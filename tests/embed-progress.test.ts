// The terminal's embedding lines: a line per tenth (or every few seconds), then the total and its time;
// the backbone line kept to one sentence.
import { describe, expect, it } from 'vitest';
import { EmbedProgress, backboneLine } from '../trainer/embed-progress.ts';

describe('EmbedProgress', () => {
  it('says every tenth of the way, then how many images took how long', () => {
    const lines: string[] = [];
    let t = 0;
    const p = new EmbedProgress(
      (l) => lines.push(l),
      10_000,
      () => t,
    );
    p.begin(0, 1000);
    for (let done = 50; done <= 1000; done += 50) {
      t += 500;
      p.update(done, 1000);
    }
    expect(lines.filter((l) => l.startsWith('embedding:'))).toHaveLength(9);
    expect(lines[0]).toBe('embedding: 100 of 1,000 images (10 %)');
    expect(lines.at(-1)).toBe('embedded 1,000 images in 10.0 s (100.0 images/s)');
  });
  it('a slow run says where it is every few seconds; a run all from the cache says nothing', () => {
    const lines: string[] = [];
    let t = 0;
    const p = new EmbedProgress(
      (l) => lines.push(l),
      5_000,
      () => t,
    );
    p.update(0, 10_000);
    for (let i = 1; i <= 3; i++) {
      t += 6_000;
      p.update(i, 10_000);
    }
    expect(lines).toEqual([
      'embedding: 1 of 10,000 images (0 %)',
      'embedding: 2 of 10,000 images (0 %)',
      'embedding: 3 of 10,000 images (0 %)',
    ]);
    const quiet: string[] = [];
    new EmbedProgress((l) => quiet.push(l)).update(50, 50);
    expect(quiet).toEqual([]);
  });
  it('keeps the backbone line to what runs', () => {
    const note =
      'DINOv3 unavailable offline: running ImageNet MobileNetV2. dinov3-vits16: cannot reach huggingface.co (offline) · '.repeat(
        1,
      ) + 'x'.repeat(300);
    const line = backboneLine(note);
    expect(line).toBe(
      "DINOv3 unavailable offline: running ImageNet MobileNetV2 (reasons: in the header's backbone tooltip)",
    );
    expect(backboneLine('ImageNet MobileNetV2 on cpu')).toBe('ImageNet MobileNetV2 on cpu');
  });
});
