import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { marshalCode } from '../../testkit/marshal-builder.js';
import { MAX_MARSHAL_DEPTH, MarshalError, summarizeMarshal } from './marshal.js';

// A real Python 3.11 Lambda: lambda x: __import__('os').system('echo cavra-canary') or x (from the corpus).
const CORPUS_LAMBDA =
  '4wEAAAAAAAAAAAAAAAMAAAATAAAA81YAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACgAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHwAZgJkAxkAAAAAAAAAAABTACkETtoCb3P6EWVjaG8gY2F2cmEtY2FuYXJ56QEAAAApAtoKX19pbXBvcnRfX9oGc3lzdGVtqQHaAXhzAQAAACD6Ly93b3JrL3N0ZWVyaW5nL3NoYXJlZC9jb3JwdXMvZ2VuL21ha2VfY29ycHVzLnB5+gg8bGFtYmRhPvohbGFtYmRhX2NvZGVfYjY0Ljxsb2NhbHM+LjxsYW1iZGE+IAEAAHMnAAAAgACVeqAk0Rcn1Bcn1xcu0hcu0C9C0RdD1BdDwFHQFkfIAdQWSoAA8wAAAAA=';

describe('summarizeMarshal', () => {
  it('lists names and constants of a real Python 3.11 Lambda', () => {
    const s = summarizeMarshal(new Uint8Array(Buffer.from(CORPUS_LAMBDA, 'base64')));
    expect(s.layout).toBe('3.11+');
    expect([...s.names]).toEqual(['__import__', 'system']);
    expect(s.constants.has('os')).toBe(true);
  });

  it.each(['3.11', '3.8', '2'] as const)(
    'reads the %s code-object layout, including nested code',
    (layout) => {
      const inner = { code: { names: ['popen'], consts: [null, 'ls'] } };
      const s = summarizeMarshal(marshalCode({ names: ['os', 'getcwd'], consts: [null, 2, inner] }, layout));
      expect([...s.names].sort()).toEqual(['getcwd', 'os', 'popen']);
      expect(s.codeObjects).toBe(2);
      expect(s.constants.has('ls')).toBe(true);
    },
  );

  it('rejects truncated streams, trailing bytes and non-code objects', () => {
    const code = marshalCode({ names: ['os'] });
    expect(() => summarizeMarshal(code.subarray(0, code.length - 3))).toThrow(MarshalError);
    expect(() => summarizeMarshal(new Uint8Array([...code, 0x4e]))).toThrow(MarshalError);
    expect(() => summarizeMarshal(new Uint8Array([0x4e]))).toThrow(/no code object/);
  });

  it('stops at the nesting limit instead of recursing without bound', () => {
    const deep = new Uint8Array([
      ...new Array(MAX_MARSHAL_DEPTH + 5).fill(0x29).flatMap(() => [0x29, 1]),
      0x4e,
    ]);
    expect(() => summarizeMarshal(deep)).toThrow(/too deep/);
  });

  it('never throws anything but MarshalError on random or mutated bytes', () => {
    const base = marshalCode({ names: ['os', 'system'], consts: [null, 'x'] });
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { maxLength: 8 }),
        (random, edits) => {
          const mutated = base.slice();
          for (const [at, value] of edits) mutated[at] = value;
          for (const bytes of [random, mutated]) {
            try {
              summarizeMarshal(bytes);
            } catch (err) {
              expect(err).toBeInstanceOf(MarshalError);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
