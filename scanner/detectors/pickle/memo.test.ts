import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Memo } from './memo.js';
import { DICT, EMPTY_TUPLE, GlobalV, LIST, type Value } from './values.js';

describe('compact pickle memo', () => {
  it('returns what was stored, keeps object identity, and counts slots like memo_len', () => {
    const m = new Memo();
    const g = new GlobalV('os', 'system', 'GLOBAL', 3);
    const values: Value[] = [
      'torch._utils',
      'é-latin1',
      'snow ☃ not latin1',
      7,
      true,
      false,
      null,
      DICT,
      LIST,
      EMPTY_TUPLE,
      g,
    ];
    values.forEach((v, i) => expect(m.put(i, v)).toBe(true));
    expect(m.count).toBe(values.length);
    values.forEach((v, i) => expect(m.get(i)).toBe(v));
    expect(m.put(0, 'os')).toBe(false); // overwrite: not a new slot
    expect(m.get(0)).toBe('os');
    expect(m.count).toBe(values.length);
    expect(m.get(999)).toBeUndefined();
  });

  it('does not allocate pages for far-away indices, and still finds them once pages grow', () => {
    const m = new Memo();
    expect(m.put(4_000_000_000, 'far')).toBe(true);
    expect(m.put(1 << 24, 'mid')).toBe(true);
    expect(m.get(4_000_000_000)).toBe('far');
    expect(m.get(1 << 24)).toBe('mid');
    for (let i = 0; i <= (1 << 24) + 1; i += 1 << 16) m.put(i, DICT); // pages now reach the mid index
    expect(m.get(1 << 24)).toBe(DICT); // overwritten in place
    expect(m.put((1 << 24) + 5, 'x')).toBe(true);
  });

  it('behaves like a Map for any sequence of puts and gets', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(fc.nat(70_000), fc.integer({ min: 0, max: 2 ** 32 })),
            fc.oneof(fc.string(), fc.constant(DICT), fc.boolean(), fc.constant(null)),
          ),
          { maxLength: 200 },
        ),
        (ops) => {
          const m = new Memo();
          const ref = new Map<number, Value>();
          for (const [k, v] of ops) {
            expect(m.put(k, v)).toBe(!ref.has(k));
            ref.set(k, v);
          }
          expect(m.count).toBe(ref.size);
          for (const [k, v] of ref) expect(m.get(k)).toBe(v);
        },
      ),
      { numRuns: 200 },
    );
  });
});
