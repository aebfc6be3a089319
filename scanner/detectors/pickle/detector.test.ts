import { describe, expect, it } from 'vitest';
import { NO_EXTENSIONS } from '../../rule-extensions.js';
import { PickleAsm, ByteWriter } from '../../testkit/pickle-builder.js';
import { b, findingKeys, scanPickle } from '../../testkit/pickle-scan.js';
import * as O from './opcodes.js';

const P = (p = 2) => new PickleAsm(p).proto();

/** A torch-style state_dict pickle: OrderedDict of _rebuild_tensor_v2(BINPERSID storage tuple, ...). */
function torchStateDict(keys = ['0', '1']): Uint8Array {
  const a = P(2).global('collections', 'OrderedDict').op(O.EMPTY_TUPLE, O.REDUCE).op(O.MARK);
  keys.forEach((k, i) => {
    a.str(`layer${i}.weight`).global('torch._utils', '_rebuild_tensor_v2').op(O.MARK);
    a.op(O.MARK)
      .str('storage')
      .global('torch', 'FloatStorage')
      .str(k)
      .str('cpu')
      .int(16)
      .op(O.TUPLE, O.BINPERSID);
    a.int(0).int(4).int(4).op(O.TUPLE2).int(4).int(1).op(O.TUPLE2).op(O.NEWFALSE);
    a.global('collections', 'OrderedDict').op(O.EMPTY_TUPLE, O.REDUCE).op(O.TUPLE, O.REDUCE);
  });
  return a.op(O.SETITEMS, O.STOP).bytes();
}

/** A sklearn-like pickle (protocol 4): Pipeline NEWOBJ + state dict with a numpy array via _reconstruct. */
function sklearnLike(): Uint8Array {
  const a = new PickleAsm(4);
  a.global('sklearn.pipeline', 'Pipeline').op(O.EMPTY_TUPLE, O.NEWOBJ).memoize().op(O.EMPTY_DICT).memoize();
  a.str('coef_')
    .memoize()
    .global('numpy.core.multiarray', '_reconstruct')
    .global('numpy', 'ndarray')
    .int(0)
    .op(O.TUPLE1);
  a.bin(b('b')).op(O.TUPLE3, O.REDUCE).memoize().op(O.SETITEM, O.BUILD, O.STOP);
  return Uint8Array.from([0x80, 4, ...a.bytes()]);
}

describe('pickle detector', () => {
  it('torch state_dict pickle with BINPERSID storages is clean', async () => {
    const r = await scanPickle(torchStateDict());
    expect(r.verdict).toBe('clean');
    expect(r.findings).toEqual([]);
  });

  it('sklearn-like pickle is clean', async () => {
    const r = await scanPickle(sklearnLike());
    expect(findingKeys(r)).toEqual([]);
    expect(r.verdict).toBe('clean');
  });

  it("TorchScript's own torch.jit._pickle helpers are clean (a submodule named _pickle is not the pickle module)", async () => {
    const r = await scanPickle(
      P(2)
        .global('torch.jit._pickle', 'build_intlist')
        .op(O.EMPTY_LIST)
        .op(O.TUPLE1, O.REDUCE, O.STOP)
        .bytes(),
    );
    expect(findingKeys(r)).toEqual([]);
    const other = await scanPickle(
      P(2).global('torch.jit._pickle', 'something_else').op(O.POP, O.NONE, O.STOP).bytes(),
    );
    expect(findingKeys(other)).toEqual(['PICKLE-EVAL torch.jit._pickle.something_else']);
  });

  it('unknown globals are medium (suspicious), e.g. __main__ classes', async () => {
    const r = await scanPickle(
      P(2).global('__main__', 'TinyNet').op(O.EMPTY_TUPLE, O.NEWOBJ, O.STOP).bytes(),
    );
    expect(r.verdict).toBe('suspicious');
    expect(findingKeys(r)).toContain('PICKLE-UNKNOWN-GLOBAL __main__.TinyNet');
  });

  it('an imported but never called denied global is still reported', async () => {
    const r = await scanPickle(P(2).global('os', 'system').op(O.POP, O.NONE, O.STOP).bytes());
    expect(r.verdict).toBe('malicious');
    expect(r.findings[0]!.evidence).toContain('imported, not called');
  });

  it('evidence names the global opcode and the call opcode, never argument values', async () => {
    const bytes = new PickleAsm(4)
      .proto()
      .global('posix', 'system')
      .str('echo SECRET-ARG')
      .op(O.TUPLE1, O.REDUCE, O.STOP)
      .bytes();
    const r = await scanPickle(bytes);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'PICKLE-OS-EXEC',
      callable: 'os.system',
      evidence: 'posix.system via STACK_GLOBAL -> REDUCE',
    });
    expect(JSON.stringify(r)).not.toContain('SECRET-ARG');
  });

  it('scans every stacked pickle', async () => {
    const first = P(2).op(O.NONE, O.STOP).bytes();
    const second = P(2).global('os', 'system').str('id').op(O.TUPLE1, O.REDUCE, O.STOP).bytes();
    const r = await scanPickle(new ByteWriter().raw(first).raw(first).raw(second).bytes());
    expect(r.verdict).toBe('malicious');
    expect(r.coverage.scanned[0]!.detail).toContain('3 streams');
  });

  it('pickle + ZIP polyglot: trailing data is a medium finding and the tail is scanned as its own member', async () => {
    const zipTail = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);
    const r = await scanPickle(new ByteWriter().raw(P(2).op(O.NONE, O.STOP).bytes()).raw(zipTail).bytes());
    expect(findingKeys(r)).toContain('PICKLE-TRAILING-DATA');
    expect(r.coverage.scanned.some((s) => s.member === '@4')).toBe(true);
  });

  it('legacy torch: 5 pickles, then storages handed over as data', async () => {
    const magic = Uint8Array.from([
      0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
    ]);
    const w = new ByteWriter()
      .raw(magic)
      .raw(P(2).int(1001).stop().bytes())
      .raw(P(2).op(O.EMPTY_DICT, O.STOP).bytes());
    w.raw(torchStateDict(['k1'])).raw(P(2).op(O.EMPTY_LIST, O.MARK).str('k1').op(O.APPENDS, O.STOP).bytes());
    w.u64(16).raw(new Uint8Array(64).fill(0x80)); // numel then raw floats: bytes that would probe as PROTO
    const r = await scanPickle(w.bytes());
    expect(r.format).toBe('pytorch-legacy');
    expect(r.verdict).toBe('clean');
    expect(r.coverage.data.map((d) => d.member)).toEqual(['storages']);
  });

  it('legacy torch with a payload in the 4th pickle is malicious', async () => {
    const magic = Uint8Array.from([
      0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
    ]);
    const w = new ByteWriter()
      .raw(magic)
      .raw(P(2).int(1001).stop().bytes())
      .raw(P(2).op(O.EMPTY_DICT, O.STOP).bytes());
    w.raw(P(2).global('subprocess', 'call').str('id').op(O.TUPLE1, O.REDUCE, O.STOP).bytes());
    expect((await scanPickle(w.bytes())).verdict).toBe('malicious');
  });

  it('joblib: raw array bytes after NumpyArrayWrapper BUILD are skipped exactly (with alignment padding)', async () => {
    const a = new PickleAsm(4);
    a.global('joblib.numpy_pickle', 'NumpyArrayWrapper')
      .op(O.EMPTY_TUPLE, O.NEWOBJ)
      .memoize()
      .op(O.EMPTY_DICT)
      .memoize()
      .op(O.MARK);
    a.str('subclass').global('numpy', 'ndarray').str('shape').int(3).op(O.TUPLE1).str('order').str('C');
    a.str('dtype').global('numpy', 'dtype').str('f8').op(O.NEWFALSE, O.NEWTRUE, O.TUPLE3, O.REDUCE).memoize();
    a.op(O.MARK).int(3).str('<').op(O.NONE, O.NONE, O.NONE).int(-1).int(-1).int(0).op(O.TUPLE, O.BUILD);
    a.str('allow_mmap').op(O.NEWTRUE).str('numpy_array_alignment_bytes').int(16).op(O.SETITEMS, O.BUILD);
    const raw = new Uint8Array(24).fill(0x2e); // '.' bytes: would end the pickle if not skipped
    const bytes = new ByteWriter()
      .u8(0x80, 4)
      .raw(a.bytes())
      .u8(3, 0xff, 0xff, 0xff)
      .raw(raw)
      .raw(new PickleAsm(4).global('os', 'system').op(O.POP).stop().bytes())
      .bytes();
    for (const chunk of [1 << 20, 1, 5]) {
      const r = await scanPickle(bytes, {}, chunk);
      expect(r.format).toBe('joblib');
      expect(findingKeys(r)).toEqual(['PICKLE-OS-EXEC os.system']);
      expect(r.coverage.issues).toEqual([]);
    }
  });

  it('a parse error after a finding keeps the finding; the verdict stays malicious', async () => {
    const bytes = P(2).global('os', 'system').str('id').op(O.TUPLE1, O.REDUCE).raw([0xff]).bytes();
    const r = await scanPickle(bytes);
    expect(r.verdict).toBe('malicious');
    expect(r.coverage.issues[0]).toMatchObject({ code: 'PARSE_ERROR', offset: bytes.length - 1 });
  });

  it('limits make a clean-looking pickle inconclusive, never clean', async () => {
    const r = await scanPickle(torchStateDict(), { limits: { maxPickleOpcodes: 10 } });
    expect(r.verdict).toBe('inconclusive');
    expect(r.coverage.issues.map((i) => i.code)).toContain('LIMIT_OPCODES');
  });

  it('truncated pickles are inconclusive', async () => {
    const full = torchStateDict();
    const r = await scanPickle(full.subarray(0, full.length - 5));
    expect(r.verdict).toBe('inconclusive');
    expect(r.coverage.issues.map((i) => i.code)).toContain('TRUNCATED');
  });

  it('policy extensions: allowGlobals clears unknown globals but never a critical deny; denyGlobals adds denies', async () => {
    const unknown = P(2)
      .global('acme_models.layers', 'CustomBlock')
      .op(O.EMPTY_TUPLE, O.NEWOBJ, O.STOP)
      .bytes();
    const ext = {
      ...NO_EXTENSIONS,
      allowGlobals: ['acme_models.*', 'os.system'],
      denyGlobals: ['collections.OrderedDict'],
    };
    expect((await scanPickle(unknown, { extensions: ext })).verdict).toBe('clean');
    const os = P(2).global('os', 'system').op(O.POP, O.NONE, O.STOP).bytes();
    expect((await scanPickle(os, { extensions: ext })).verdict).toBe('malicious');
    expect(findingKeys(await scanPickle(torchStateDict(), { extensions: ext }))).toContain(
      'PICKLE-POLICY-DENY collections.OrderedDict',
    );
  });

  it('nested pickle bytes given to pickle.loads are scanned as their own member', async () => {
    const inner = P(2).global('os', 'system').str('id').op(O.TUPLE1, O.REDUCE, O.STOP).bytes();
    const outer = new PickleAsm(3)
      .proto()
      .global('pickle', 'loads')
      .bin(inner)
      .op(O.TUPLE1, O.REDUCE, O.STOP)
      .bytes();
    const r = await scanPickle(outer);
    expect(
      r.findings.some((f) => f.location.member?.endsWith(':nested') && f.ruleId === 'PICKLE-OS-EXEC'),
    ).toBe(true);
  });

  it('gives the same findings for every chunk size (1..7 bytes)', async () => {
    const bytes = new ByteWriter()
      .raw(torchStateDict())
      .raw(P(4).global('builtins', 'eval').str('1').op(O.TUPLE1, O.REDUCE, O.STOP).bytes())
      .bytes();
    const whole = findingKeys(await scanPickle(bytes));
    expect(whole).toEqual(['PICKLE-EVAL builtins.eval']);
    for (let chunk = 1; chunk <= 7; chunk++)
      expect(findingKeys(await scanPickle(bytes, {}, chunk))).toEqual(whole);
  });
});
