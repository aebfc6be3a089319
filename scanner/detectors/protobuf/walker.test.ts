import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b, encodeMessage, m, s, v } from '../../testkit/protobuf-builder.js';
import { DEFAULT_PROTO_LIMITS, type MessageRecord, type MessageSchema } from './schema.js';
import { ProtoError, ProtoWalker } from './walker.js';

const ENTRY: MessageSchema = { name: 'Entry', emit: false, fields: { 1: { name: 'key', kind: 'string' } } };
const LEAF: MessageSchema = {
  name: 'Leaf',
  emit: true,
  fields: {
    1: { name: 'dims', kind: 'varint' },
    2: { name: 'name', kind: 'string' },
    3: { name: 'blob', kind: 'bytes' },
    4: { name: 'entry', kind: 'message', schema: () => ENTRY },
    5: { name: 'child', kind: 'message', schema: () => LEAF },
  },
};
const ROOT: MessageSchema = {
  name: 'Root',
  emit: true,
  fields: { 1: { name: 'leaf', kind: 'message', schema: () => LEAF } },
};

function walk(bytes: Uint8Array, chunk: number, limits = DEFAULT_PROTO_LIMITS): MessageRecord[] {
  const out: MessageRecord[] = [];
  const w = new ProtoWalker(ROOT, (r) => out.push(r), limits);
  for (let i = 0; i < bytes.length; i += chunk) w.write(bytes.slice(i, i + chunk));
  w.end();
  return out;
}

const sample = encodeMessage([
  v(9, 5),
  m(
    1,
    v(1, 2),
    v(1, 300),
    s(2, 'weights'),
    b(3, new Uint8Array(5000)),
    m(4, s(1, 'location')),
    m(5, s(2, 'inner')),
  ),
  { n: 7, fixed64: true },
  m(1, { n: 1, bytes: new Uint8Array([3, 0xac, 0x02]) }, s(2, 'packed')),
]);

describe('ProtoWalker', () => {
  it.each([1, 3, 7, 64 * 1024])('emits the same records whatever the chunk size (%i)', (chunk) => {
    const records = walk(sample, chunk);
    expect(records.map((r) => r.schema)).toEqual(['Leaf', 'Leaf', 'Leaf', 'Root']);
    const [inner, outer, packed] = records;
    expect(inner!.strings.get('name')).toEqual(['inner']);
    expect(inner!.parents).toEqual(['Root', 'Leaf']);
    expect(outer!.varints.get('dims')).toEqual([2, 300]);
    expect(outer!.sizes.get('blob')).toEqual([5000]);
    expect(outer!.children.get('entry')![0]!.strings.get('key')).toEqual(['location']);
    expect(packed!.varints.get('dims')).toEqual([3, 300]);
  });

  it('fails closed on truncation, overruns, groups and depth', () => {
    expect(() => walk(sample.subarray(0, sample.length - 1), 1000)).toThrow(ProtoError);
    const overrun = new Uint8Array([0x0a, 0x02, 0x12, 0x05, 0x61]);
    expect(() => walk(overrun, 10)).toThrow(/overruns/);
    expect(() => walk(new Uint8Array([0x0b, 0x0c]), 10)).toThrow(/wire type 3/);
    let deep = m(2, s(2, 'x'));
    for (let i = 0; i < 10; i++) deep = m(5, deep);
    expect(() => walk(encodeMessage([m(1, deep)]), 100, { ...DEFAULT_PROTO_LIMITS, maxDepth: 5 })).toThrow(
      /deeper/,
    );
    expect(() =>
      walk(encodeMessage([m(1, s(2, 'x'.repeat(100)))]), 100, { ...DEFAULT_PROTO_LIMITS, maxString: 10 }),
    ).toThrow(/longer than/);
  });

  it('never throws anything but ProtoError on random or mutated input', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.tuple(fc.nat(sample.length - 1), fc.nat(255)), { maxLength: 6 }),
        fc.integer({ min: 1, max: 50 }),
        (random, edits, chunk) => {
          const mutated = sample.slice();
          for (const [at, value] of edits) mutated[at] = value;
          for (const bytes of [random, mutated]) {
            try {
              walk(bytes, chunk);
            } catch (err) {
              expect(err).toBeInstanceOf(ProtoError);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
