import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildDensePickle, PickleAsm } from '../../testkit/pickle-builder.js';

/** CPython, when present, is the reference encoder (it only *writes* pickles here; nothing is loaded). */
function python(code: string): Uint8Array | undefined {
  try {
    return new Uint8Array(execFileSync('python3', ['-c', code], { timeout: 10_000 }));
  } catch {
    return undefined;
  }
}

describe('pickle builder', () => {
  it('writes small dense pickles exactly as CPython does', () => {
    const ref = python(
      "import pickle,sys; sys.stdout.buffer.write(pickle.dumps([{'id': i, 'x': 0.5, 'name': f'n{i}', 'ok': True, 'v': i % 7} for i in range(20)], 4))",
    );
    if (!ref) return;
    const ours = buildDensePickle(ref.length + 64);
    expect(ours.dicts).toBeGreaterThanOrEqual(20);
    const twenty = buildDenseExactly(20);
    expect(Buffer.from(twenty).toString('hex')).toBe(Buffer.from(ref).toString('hex'));
  });

  it('encodes globals per protocol like save_global', () => {
    const ref = python(
      'import pickle,sys,collections; sys.stdout.buffer.write(pickle.dumps(collections.OrderedDict, 2))',
    );
    if (!ref) return;
    expect(Buffer.from(new PickleAsm(2).proto().global('collections', 'OrderedDict').stop().bytes())).toEqual(
      Buffer.from(ref),
    );
    const ref4 = python(
      'import pickle,sys,collections; sys.stdout.buffer.write(pickle.dumps(collections.OrderedDict, 4))',
    );
    const ours4 = new PickleAsm(4).global('collections', 'OrderedDict').stop().bytes();
    // protocol 4 adds PROTO + FRAME around the same body
    expect(Buffer.from(ref4!.subarray(11))).toEqual(Buffer.from(ours4));
  });
});

/** buildDensePickle with exactly n dicts (target chosen by searching sizes). */
function buildDenseExactly(n: number): Uint8Array {
  for (let t = 64; t < 10_000; t++) {
    const b = buildDensePickle(t);
    if (b.dicts === n) return b.bytes;
  }
  throw new Error('no size gives that many dicts');
}
