import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanStop } from '../../errors.js';
import { NO_EXTENSIONS } from '../../rule-extensions.js';
import { buildDensePickle, PickleAsm } from '../../testkit/pickle-builder.js';
import { runVm } from '../../testkit/pickle-scan.js';
import { PickleAnalyzer } from './analyzer.js';
import * as O from './opcodes.js';
import { GlobalPolicy } from './policy.js';
import { pickleRules } from './rules.js';
import type { GlobalV } from './values.js';
import { PickleVM } from './vm.js';
import { DEFAULT_LIMITS } from '../../limits.js';
import type { DetectorContext } from '../../detector.js';

const LIMITS = { maxPickleOpcodes: 100_000, maxPickleStack: 10_000, maxPickleMemo: 10_000 };

describe('pickle VM properties', () => {
  it('random bytes never throw anything but ScanStop', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
        runVm(bytes, chunk, LIMITS); // runVm rethrows anything that is not a ScanStop
      }),
      { numRuns: 300 },
    );
  });

  it('bit-flipped real pickles never throw anything but ScanStop', () => {
    const seed = buildDensePickle(3000).bytes;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 7 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 97 }),
        (flips, chunk) => {
          const m = seed.slice();
          for (const [at, bit] of flips) m[at]! ^= 1 << bit;
          const r = runVm(m, chunk, LIMITS);
          if (r.error) expect(r.error).toBeInstanceOf(ScanStop);
        },
      ),
      { numRuns: 200 },
    );
  });

  const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
  it('resolves exactly the global the reference encoder wrote, for every protocol and chunking', () => {
    fc.assert(
      fc.property(
        fc.array(ident, { minLength: 1, maxLength: 3 }),
        fc.array(ident, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 9 }),
        (mod, qual, protocol, chunk) => {
          const module = mod.join('.');
          const name = protocol >= 4 ? qual.join('.') : qual[0]!;
          const a = new PickleAsm(protocol);
          if (protocol >= 2) a.proto();
          const bytes = a.global(module, name).op(O.EMPTY_TUPLE, O.REDUCE, O.STOP).bytes();
          const r = runVm(bytes, chunk);
          expect(r.error).toBeUndefined();
          expect(r.globals).toEqual([`${module}.${name}`]);
          expect(r.calls.map((c) => [c.op, (c.callee as GlobalV).display])).toEqual([
            ['REDUCE', `${module}.${name}`],
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('records torch storage keys in ctx.shared', () => {
    const shared = new Map<string, unknown>();
    const ctx = {
      shared,
      report: () => {},
      issue: () => {},
      scanned: () => {},
    } as unknown as DetectorContext;
    const an = new PickleAnalyzer(ctx, new GlobalPolicy(pickleRules(), NO_EXTENSIONS));
    const vm = new PickleVM(DEFAULT_LIMITS, an);
    const a = new PickleAsm(2)
      .proto()
      .op(O.MARK)
      .str('storage')
      .global('torch', 'FloatStorage')
      .str('key7')
      .str('cpu')
      .int(4)
      .op(O.TUPLE, O.BINPERSID, O.STOP);
    vm.write(a.bytes());
    expect([...(shared.get('torch.storageKeys') as Set<string>)]).toEqual(['key7']);
  });
});
