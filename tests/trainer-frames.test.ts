// One handler table for the trainer → server direction (server/trainer-frames.ts): every frame type of the
// protocol has exactly one entry (a missing one is a compile error, and fails here by name), and a frame is
// checked, kept and announced by its entry alone.
import { describe, expect, it } from 'vitest';
import { trainerToServer } from '../common/protocol.ts';
import { TRAINER_FRAMES, type FrameEntry, type FrameType } from '../server/trainer-frames.ts';
import { unchecked } from '../server/trainer-check.ts';

describe('trainer frames table', () => {
  it('has one entry per trainer → server frame type of the protocol, and none more', () => {
    const types = trainerToServer.options.map((o) => o.shape.type.value as string).sort();
    expect(Object.keys(TRAINER_FRAMES).sort()).toEqual(types);
    for (const t of types) expect(typeof TRAINER_FRAMES[t as FrameType].check, t).toBe('function');
  });

  it('a table without an entry for a frame type does not compile', () => {
    const { ping: _dropped, ...rest } = TRAINER_FRAMES;
    // @ts-expect-error — `ping` has no entry
    const incomplete: { [K in FrameType]: FrameEntry<K> } = rest;
    expect(Object.keys(incomplete)).not.toContain('ping');
    const pingOnly: FrameEntry<'ping'> = { check: unchecked };
    expect(pingOnly.check({} as never, { type: 'ping' })).toEqual({ msg: { type: 'ping' }, dropped: [] });
  });
});
