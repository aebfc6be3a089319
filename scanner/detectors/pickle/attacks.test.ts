import { describe, expect, it } from 'vitest';
import { PickleAsm } from '../../testkit/pickle-builder.js';
import { b, findingKeys, scanPickle } from '../../testkit/pickle-scan.js';
import * as O from './opcodes.js';

const P = (p = 4) => new PickleAsm(p).proto();
/** `module.name(arg)` as CPython would write it for protocol `p`, result discarded or returned. */
function callOne(module: string, name: string, p = 4): Uint8Array {
  return P(p).global(module, name).str('x').op(O.TUPLE1).op(O.REDUCE).stop().bytes();
}

async function verdictOf(bytes: Uint8Array): Promise<{ verdict: string; keys: string[]; issues: string[] }> {
  const r = await scanPickle(bytes);
  return { verdict: r.verdict, keys: findingKeys(r), issues: r.coverage.issues.map((i) => i.code) };
}

describe('attacks.md §4 B: opcode-level and parser-differential techniques', () => {
  it('19 memo confusion: MEMOIZE after PUT writes the next free index, not the last PUT index + 1', async () => {
    // memo[5] = 'torch._utils', MEMOIZE -> memo[1] = 'os'; a naive memo thinks index 1 is unset or torch.
    const a = P(4)
      .str('torch._utils')
      .op(O.BINPUT, 0)
      .str('os')
      .op(O.MEMOIZE)
      .op(O.POP, O.POP)
      .op(O.BINGET, 1)
      .str('system')
      .op(O.STACK_GLOBAL)
      .str('id')
      .op(O.TUPLE1, O.REDUCE, O.STOP);
    const r = await verdictOf(a.bytes());
    expect(r.keys).toContain('PICKLE-OS-EXEC os.system');
  });

  it('20 invalid memo key after the payload keeps the finding', async () => {
    const bytes = P(2)
      .global('os', 'system')
      .str('id')
      .op(O.TUPLE1, O.REDUCE, O.POP)
      .op(O.BINGET, 99)
      .stop()
      .bytes();
    const r = await verdictOf(bytes);
    expect(r.verdict).toBe('malicious');
    expect(r.keys).toContain('PICKLE-OS-EXEC os.system');
    expect(r.issues).toContain('PARSE_ERROR');
  });

  it('21 type-confused memo (an int as STACK_GLOBAL module) is unresolvable => critical', async () => {
    const bytes = P(4)
      .op(O.BININT1, 42)
      .op(O.MEMOIZE)
      .op(O.BINGET, 0)
      .str('system')
      .op(O.STACK_GLOBAL, O.STOP)
      .bytes();
    const r = await verdictOf(bytes);
    expect(r.verdict).toBe('malicious');
    expect(r.keys).toContain('PICKLE-UNRESOLVED-GLOBAL <computed>');
  });

  it('22 STACK_GLOBAL from STRING/BINSTRING/SHORT_BINSTRING operands', async () => {
    for (const text of [
      "\x80\x04S'os'\nS'system'\n\x93S'id'\n\x85R.",
      '\x80\x04T\x02\x00\x00\x00osU\x06system\x93N\x85R.',
    ]) {
      expect((await verdictOf(b(text))).keys).toContain('PICKLE-OS-EXEC os.system');
    }
  });

  it('23 STACK_GLOBAL operands computed at run time => unresolved, critical', async () => {
    const bytes = P(4)
      .global('builtins', 'str')
      .str('os')
      .op(O.TUPLE1, O.REDUCE)
      .str('system')
      .op(O.STACK_GLOBAL, O.STOP)
      .bytes();
    const r = await verdictOf(bytes);
    expect(r.keys).toContain('PICKLE-UNRESOLVED-GLOBAL <computed>');
    expect(r.verdict).toBe('malicious');
  });

  it('24 BUILD attribute overwrite on a global, then GLOBAL reading it back', async () => {
    const bytes = P(2)
      .global('numpy', 'prod')
      .op(O.EMPTY_DICT)
      .str('a')
      .str('os')
      .op(O.SETITEM, O.BUILD, O.POP)
      .line(O.GLOBAL, 'numpy', 'prod.a')
      .line(O.GLOBAL, 'numpy', 'prod.b')
      .op(O.STACK_GLOBAL, O.STOP)
      .bytes();
    const r = await verdictOf(bytes);
    expect(r.keys).toContain('PICKLE-GLOBAL-MUTATION numpy.prod');
    expect(r.keys).toContain('PICKLE-UNRESOLVED-GLOBAL <computed>');
  });

  it("25 module attribute leaking builtins: ('numpy', '__builtins__')", async () => {
    const r = await verdictOf(P(4).global('numpy', '__builtins__').stop().bytes());
    expect(r.keys).toContain('PICKLE-DUNDER-ACCESS numpy.__builtins__');
    expect(r.verdict).toBe('malicious');
  });

  it('26 dotted names resolve attribute by attribute (pathlib.os.system, random._os.system, pydantic._os.system)', async () => {
    for (const [m, n] of [
      ['pathlib', 'os.system'],
      ['random', '_os.system'],
      ['pydantic', '_os.system'],
      ['pipes', 'Template.copy'],
    ]) {
      const r = await verdictOf(callOne(m!, n!));
      expect(r.verdict, `${m}.${n}`).toBe('malicious');
    }
    expect((await verdictOf(callOne('random', '_os.system'))).keys).toContain('PICKLE-OS-EXEC os.system');
  });

  it('27 FRAME boundary divergence: opcodes are parsed across frames as CPython does', async () => {
    // A FRAME of 2 bytes followed by a GLOBAL/REDUCE that pickletools-style readers take as frame payload.
    const inner = new PickleAsm(2).global('os', 'system').str('id').op(O.TUPLE1, O.REDUCE).bytes();
    const bytes = Uint8Array.from([0x80, 4, O.FRAME, 2, 0, 0, 0, 0, 0, 0, 0, ...inner, O.STOP]);
    expect((await verdictOf(bytes)).keys).toContain('PICKLE-OS-EXEC os.system');
  });

  it('28 garbage after the payload: finding kept, result inconclusive-or-worse (malicious)', async () => {
    const bytes = P(2)
      .global('os', 'system')
      .str('id')
      .op(O.TUPLE1, O.REDUCE)
      .raw(b('\xff\xfe garbage'))
      .bytes();
    const r = await verdictOf(bytes);
    expect(r.verdict).toBe('malicious');
    expect(r.issues).toContain('PARSE_ERROR');
  });

  it('29 OBJ + POP: a discarded call still counts', async () => {
    const bytes = P(2)
      .op(O.MARK)
      .global('smtplib', 'SMTP')
      .str('127.0.0.1')
      .op(O.OBJ, O.POP, O.NONE, O.STOP)
      .bytes();
    expect((await verdictOf(bytes)).keys).toContain('PICKLE-NETWORK smtplib.SMTP');
  });

  it('30 INST instead of GLOBAL', async () => {
    const r = await verdictOf(b("(S'print(1)'\ni__builtin__\nexec\n."));
    expect(r.keys).toContain('PICKLE-EVAL builtins.exec');
  });

  it('31 EXT1/EXT2/EXT4 copyreg codes are critical', async () => {
    for (const text of ['\x80\x02\x82\x01)R.', '\x80\x02\x83\x01\x00.', '\x80\x02\x84\x01\x00\x00\x00.']) {
      const r = await verdictOf(b(text));
      expect(r.keys).toContain(`PICKLE-EXT-CODE ${O.opName(text.charCodeAt(2))}`);
      expect(r.verdict).toBe('malicious');
    }
  });

  it('32 PERSID/BINPERSID outside torch storage tuples are critical; the torch shape is clean', async () => {
    expect((await verdictOf(b('P1\n.'))).keys).toContain('PICKLE-PERSID PERSID');
    expect((await verdictOf(P(2).str('anything').op(O.BINPERSID, O.STOP).bytes())).verdict).toBe('malicious');
    const torch = P(2)
      .op(O.MARK)
      .str('storage')
      .global('torch', 'FloatStorage')
      .str('0')
      .str('cpu')
      .int(4)
      .op(O.TUPLE, O.BINPERSID, O.STOP);
    expect((await verdictOf(torch.bytes())).verdict).toBe('clean');
  });

  it('33 DUP / GET amplification stays bounded', async () => {
    const a = P(4).op(O.EMPTY_LIST, O.MEMOIZE);
    for (let i = 0; i < 20_000; i++) a.op(O.BINGET, 0, O.POP, O.DUP, O.POP);
    const r = await scanPickle(a.stop().bytes(), { limits: { maxPickleOpcodes: 50_000 } });
    expect(r.verdict).toBe('inconclusive');
    expect(r.coverage.issues.map((i) => i.code)).toContain('LIMIT_OPCODES');
  });
});

describe('attacks.md §4 C: dangerous callables under other names', () => {
  const cases: [string, string, string, string][] = [
    ['34 installer', 'pip', 'main', 'PICKLE-INSTALLER'],
    ['34 ensurepip', 'ensurepip', '_run_pip', 'PICKLE-INSTALLER'],
    ['34 venv', 'venv', 'create', 'PICKLE-INSTALLER'],
    ['35 runpy', 'runpy', '_run_code', 'PICKLE-EVAL'],
    ['35 code runsource', 'code', 'InteractiveInterpreter.runsource', 'PICKLE-EVAL'],
    ['35 cProfile', 'cProfile', 'run', 'PICKLE-EVAL'],
    ['35 timeit', 'timeit', 'timeit', 'PICKLE-EVAL'],
    ['35 numpy runstring', 'numpy.testing._private.utils', 'runstring', 'PICKLE-EVAL'],
    ['35 lib2to3', 'lib2to3.pgen2.grammar', 'Grammar.loads', 'PICKLE-EVAL'],
    ['36 pkgutil.resolve_name', 'pkgutil', 'resolve_name', 'PICKLE-IMPORT-RESOLVER'],
    ['36 pydoc.locate', 'pydoc', 'locate', 'PICKLE-IMPORT-RESOLVER'],
    ['36 inspect.getattr_static', 'inspect', 'getattr_static', 'PICKLE-IMPORT-RESOLVER'],
    ['36 __import__', '__builtin__', '__import__', 'PICKLE-IMPORT-RESOLVER'],
    ['36 attrgetter', '_operator', 'attrgetter', 'PICKLE-IMPORT-RESOLVER'],
    ['37 torch compile_file', 'torch._inductor.codecache', 'compile_file', 'PICKLE-OS-EXEC'],
    ['37 torch execWrapper', 'torch.jit.unsupported_tensor_ops', 'execWrapper', 'PICKLE-EVAL'],
    ['37 torch GuardBuilder', 'torch._dynamo.guards', 'GuardBuilder.get', 'PICKLE-TORCH-INTERNAL'],
    ['37 torch collect_env', 'torch.utils.collect_env', 'run', 'PICKLE-OS-EXEC'],
    ['37 torch _load_from_bytes', 'torch.storage', '_load_from_bytes', 'PICKLE-NESTED-DESERIALIZER'],
    ['37 torch rpc', 'torch.distributed.rpc', 'rpc_sync', 'PICKLE-TORCH-INTERNAL'],
    ['38 uuid._popen', 'uuid', '_popen', 'PICKLE-OS-EXEC'],
    ['38 _osx_support', '_osx_support', '_read_output', 'PICKLE-OS-EXEC'],
    ['38 imaplib stream', 'imaplib', 'IMAP4_stream', 'PICKLE-OS-EXEC'],
    ['38 mailcap', 'mailcap', 'findmatch', 'PICKLE-OS-EXEC'],
    ['38 setuptools spawn', 'setuptools._distutils.spawn', 'spawn', 'PICKLE-OS-EXEC'],
    ['38 spawnv_passfds', 'multiprocessing.util', 'spawnv_passfds', 'PICKLE-OS-EXEC'],
    ['38 fork_exec', '_posixsubprocess', 'fork_exec', 'PICKLE-OS-EXEC'],
    ['38 asyncio submodule', 'asyncio.unix_events', '_UnixSubprocessTransport._start', 'PICKLE-OS-EXEC'],
    ['39 typing._eval_type', 'typing', '_eval_type', 'PICKLE-EVAL'],
    ['39 dataclasses._create_fn', 'dataclasses', '_create_fn', 'PICKLE-EVAL'],
    ['39 types.CodeType', 'types', 'CodeType', 'PICKLE-CODE-OBJECT'],
    ['39 cloudpickle _make_function', 'cloudpickle.cloudpickle', '_make_function', 'PICKLE-CODE-OBJECT'],
    ['39 parse_type_line', 'torch.jit.annotations', 'parse_type_line', 'PICKLE-EVAL'],
    ['40 operator.call', 'operator', 'call', 'PICKLE-CALL-LAUNDERING'],
    ['40 map', 'builtins', 'map', 'PICKLE-CALL-LAUNDERING'],
    ['40 starmap', 'itertools', 'starmap', 'PICKLE-CALL-LAUNDERING'],
    ['40 functools.partial', 'functools', 'partial', 'PICKLE-CALL-LAUNDERING'],
    ['40 methodcaller', '_operator', 'methodcaller', 'PICKLE-CALL-LAUNDERING'],
    ['40 weakref.finalize', 'weakref', 'finalize', 'PICKLE-CALL-LAUNDERING'],
    ['41 urlopen', 'urllib.request', 'urlopen', 'PICKLE-NETWORK'],
    ['41 ssl cert', 'ssl', 'get_server_certificate', 'PICKLE-NETWORK'],
    ['41 requests', 'requests', 'get', 'PICKLE-NETWORK'],
    ['41 pandas read_csv', 'pandas.io.parsers.readers', 'read_csv', 'PICKLE-NETWORK'],
    ['42 FileHandler', 'logging', 'FileHandler', 'PICKLE-FILE-IO'],
    ['42 FileIO', '_io', 'FileIO', 'PICKLE-FILE-IO'],
    ['42 write_file', 'distutils.file_util', 'write_file', 'PICKLE-FILE-IO'],
    ['42 Path.write_text', 'pathlib', 'Path.write_text', 'PICKLE-FILE-IO'],
    ['42 tempfile', 'tempfile', 'mkstemp', 'PICKLE-FILE-IO'],
    ['43 pickle.loads', '_pickle', 'loads', 'PICKLE-NESTED-DESERIALIZER'],
    ['43 marshal.loads', 'marshal', 'loads', 'PICKLE-NESTED-DESERIALIZER'],
    ['43 numpy.load', 'numpy', 'load', 'PICKLE-NESTED-DESERIALIZER'],
    ['43 dill.loads', 'dill', 'loads', 'PICKLE-NESTED-DESERIALIZER'],
    ['43 torch.load', 'torch', 'load', 'PICKLE-NESTED-DESERIALIZER'],
    ['44 mlflow entry point', 'mlflow.projects.backend.local', '_run_entry_point', 'PICKLE-OS-EXEC'],
    ['44 re-exported os', 'some_lib', 'subprocess.run', 'PICKLE-OS-EXEC'],
    ['45 scanner tampering', 'picklescan.scanner', '_unsafe_globals', 'PICKLE-SCANNER-TAMPERING'],
    ['45 pure-python unpickler', 'pickle', '_Unpickler', 'PICKLE-NESTED-DESERIALIZER'],
  ];
  for (const [name, module, qual, rule] of cases) {
    it(`${name}: ${module}.${qual}`, async () => {
      const r = await verdictOf(callOne(module, qual));
      expect(r.verdict).toBe('malicious');
      expect(r.keys.some((k) => k.startsWith(rule + ' '))).toBe(true);
    });
  }

  it('a denied name wins over an allowlisted parent; allowlisted methods are not a laundering path', async () => {
    expect(
      (await verdictOf(callOne('torch.nn.modules.module', 'Module.register_forward_hook'))).verdict,
    ).toBe('suspicious');
    expect((await verdictOf(callOne('numpy', 'load'))).verdict).toBe('malicious');
  });
});
