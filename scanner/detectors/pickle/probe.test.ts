import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PickleAsm } from '../../testkit/pickle-builder.js';
import { b } from '../../testkit/pickle-scan.js';
import { probePickle } from './probe.js';

describe('probePickle', () => {
  it('says yes to PROTO headers and protocol 0/1 pickles', () => {
    expect(probePickle(b('\x80\x04\x95'), false)).toBe(true);
    expect(probePickle(b("cposix\nsystem\n(S'id'\ntR."), true)).toBe(true);
    expect(probePickle(b("(dp0\nS'a'\np1\nI1\ns."), true)).toBe(true);
    // the start of a long protocol-0 pickle (no STOP yet in the head)
    expect(probePickle(b('(lp0\nI1\naI2\na'), false)).toBe(true);
  });

  it('says no to text, JSON and truncated-at-end non-pickles', () => {
    for (const s of [
      'Hello, world. This is a README.\n',
      '{"a": [1, 2, 3]}',
      '# title\n\nsome text',
      'id,name\n1,x\n',
      '',
    ]) {
      expect(probePickle(b(s), true), s).toBe(false);
      expect(probePickle(b(s), false), s).toBe(false);
    }
    // a protocol-0 run that never reaches STOP in a complete object
    expect(probePickle(b('(lp0\nI1\na'), true)).toBe(false);
  });

  it('says no to random bytes (almost always) and never throws', () => {
    let yes = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), (bytes) => {
        if (bytes[0] === 0x80) return;
        if (probePickle(bytes, true)) yes++;
      }),
      { numRuns: 500, seed: 7 },
    );
    expect(yes).toBeLessThan(10);
  });

  it('says yes to every pickle the builder writes', () => {
    for (const p of [0, 1, 2, 3, 4, 5]) {
      const a = new PickleAsm(p);
      if (p >= 2) a.proto();
      expect(probePickle(a.global('collections', 'OrderedDict').op(0x29, 0x52, 0x2e).bytes(), true)).toBe(
        true,
      );
    }
  });
});

describe('probe on whole objects that end before STOP', () => {
  it('treats a truncated protocol-0 pickle that imports a global as a pickle, and plain two-line text as text', async () => {
    const { probePickle } = await import('./probe.js');
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(probePickle(enc('cposix\nsystem\n(Vech'), true)).toBe(true);
    expect(probePickle(enc('(I1\nI2\n'), true)).toBe(false);
    expect(probePickle(enc('hello world\n'), true)).toBe(false);
  });
});
