import { describe, expect, it } from 'vitest';
import { b, runVm } from '../../testkit/pickle-scan.js';
import { PickleAsm } from '../../testkit/pickle-builder.js';
import * as O from './opcodes.js';
import { BIGINT, BytesV, FLOAT, GlobalV, LIST, LONG_STR, ObjV, SET, TupleV, type Value } from './values.js';

/** Result of running a pickle to STOP (throws on an unexpected error). */
function result(bytes: Uint8Array, chunk?: number): Value {
  const r = runVm(bytes, chunk);
  if (r.error) throw r.error;
  expect(r.stops).toBe(1);
  return r.result;
}

function errorOf(bytes: Uint8Array): string | undefined {
  return runVm(bytes).error?.code;
}

const le = (n: number, w: number) => Array.from({ length: w }, (_, i) => Math.floor(n / 256 ** i) & 0xff);

describe('pickle VM: one test per opcode', () => {
  const cases: [string, Uint8Array, (v: Value) => void][] = [
    ['NONE', b('N.'), (v) => expect(v).toBeNull()],
    ['NEWTRUE', b('\x88.'), (v) => expect(v).toBe(true)],
    ['NEWFALSE', b('\x89.'), (v) => expect(v).toBe(false)],
    ['INT (bool forms and base-0)', b('I01\n.'), (v) => expect(v).toBe(true)],
    ['INT', b('I-42\n.'), (v) => expect(v).toBe(-42)],
    ['INT hex', b('I0x1f\n.'), (v) => expect(v).toBe(31)],
    ['BININT', Uint8Array.from([O.BININT, ...le(-5 >>> 0, 4), O.STOP]), (v) => expect(v).toBe(-5)],
    ['BININT1', b('K\xff.'), (v) => expect(v).toBe(255)],
    ['BININT2', b('M\x01\x02.'), (v) => expect(v).toBe(0x201)],
    ['LONG', b('L12345678901234567890L\n.'), (v) => expect(v).toBe(BIGINT)],
    ['LONG small', b('L-7L\n.'), (v) => expect(v).toBe(-7)],
    ['LONG1', b('\x8a\x02\xff\x7f.'), (v) => expect(v).toBe(0x7fff)],
    ['LONG1 negative', b('\x8a\x01\xff.'), (v) => expect(v).toBe(-1)],
    ['LONG4', b('\x8b\x01\x00\x00\x00\x05.'), (v) => expect(v).toBe(5)],
    ['FLOAT', b('F1.5e3\n.'), (v) => expect(v).toBe(FLOAT)],
    ['BINFLOAT', b('G\x3f\xf0\x00\x00\x00\x00\x00\x00.'), (v) => expect(v).toBe(FLOAT)],
    ['STRING with escapes', b("S'a\\x41\\n\\'b'\n."), (v) => expect(v).toBe("aA\n'b")],
    ['BINSTRING', b('T\x02\x00\x00\x00hi.'), (v) => expect(v).toBe('hi')],
    ['SHORT_BINSTRING', b('U\x02ok.'), (v) => expect(v).toBe('ok')],
    ['UNICODE raw-unicode-escape', b('V\\u00e9x\n.'), (v) => expect(v).toBe('éx')],
    ['BINUNICODE', b('X\x03\x00\x00\x00\xc3\xa9a.'), (v) => expect(v).toBe('éa')],
    ['SHORT_BINUNICODE', b('\x8c\x02os.'), (v) => expect(v).toBe('os')],
    ['BINUNICODE8', b('\x8d\x01\x00\x00\x00\x00\x00\x00\x00z.'), (v) => expect(v).toBe('z')],
    ['BINBYTES', b('B\x01\x00\x00\x00\x07.'), (v) => expect((v as BytesV).length).toBe(1)],
    ['SHORT_BINBYTES', b('C\x02ab.'), (v) => expect(Array.from((v as BytesV).data!)).toEqual([97, 98])],
    ['BINBYTES8', b('\x8e\x01\x00\x00\x00\x00\x00\x00\x00z.'), (v) => expect((v as BytesV).length).toBe(1)],
    [
      'BYTEARRAY8',
      b('\x96\x01\x00\x00\x00\x00\x00\x00\x00z.'),
      (v) => expect((v as BytesV).mutable).toBe(true),
    ],
    ['EMPTY_TUPLE', b(').'), (v) => expect((v as TupleV).length).toBe(0)],
    ['TUPLE (MARK)', b('(K\x01K\x02t.'), (v) => expect((v as TupleV).items).toEqual([1, 2])],
    ['TUPLE1', b('K\x01\x85.'), (v) => expect((v as TupleV).items).toEqual([1])],
    ['TUPLE2', b('K\x01K\x02\x86.'), (v) => expect((v as TupleV).items).toEqual([1, 2])],
    ['TUPLE3', b('K\x01K\x02K\x03\x87.'), (v) => expect((v as TupleV).items).toEqual([1, 2, 3])],
    ['EMPTY_LIST + APPEND', b(']K\x01a.'), (v) => expect(v).toBe(LIST)],
    ['LIST + APPENDS', b('(l(K\x01K\x02e.'), (v) => expect(v).toBe(LIST)],
    ['EMPTY_DICT + SETITEM', b('}K\x01K\x02s.'), (v) => expect(v).toMatchObject({ k: 7 })],
    ['DICT + SETITEMS', b('(K\x01K\x02d(K\x03K\x04u.'), (v) => expect(v).toMatchObject({ k: 7 })],
    ['EMPTY_SET + ADDITEMS', b('\x8f(K\x01\x90.'), (v) => expect(v).toBe(SET)],
    ['FROZENSET', b('(K\x01\x91.'), (v) => expect(v).toMatchObject({ k: 8 })],
    ['POP', b('K\x01K\x020.'), (v) => expect(v).toBe(1)],
    ['POP of a top mark', b('K\x01(0.'), (v) => expect(v).toBe(1)],
    ['POP_MARK', b('K\x01(K\x02K\x031.'), (v) => expect(v).toBe(1)],
    ['DUP', b('K\x012\x86.'), (v) => expect((v as TupleV).items).toEqual([1, 1])],
    ['PUT / GET', b('K\x09p5\n0g5\n.'), (v) => expect(v).toBe(9)],
    ['BINPUT / BINGET', b('K\x09q\x070h\x07.'), (v) => expect(v).toBe(9)],
    ['LONG_BINPUT / LONG_BINGET', b('K\x09r\x00\x01\x00\x000j\x00\x01\x00\x00.'), (v) => expect(v).toBe(9)],
    [
      'MEMOIZE uses the count of memo entries (after a PUT)',
      b('K\x01q\x05K\x02\x94h\x01.'),
      (v) => expect(v).toBe(2),
    ],
    ['PROTO', b('\x80\x05N.'), (v) => expect(v).toBeNull()],
    ['FRAME', b('\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00N.'), (v) => expect(v).toBeNull()],
    ['READONLY_BUFFER keeps the top', b('C\x01a\x98.'), (v) => expect((v as BytesV).length).toBe(1)],
    ['GLOBAL', b('cbuiltins\nset\n.'), (v) => expect((v as GlobalV).display).toBe('builtins.set')],
    [
      'STACK_GLOBAL',
      b('\x8c\x08builtins\x8c\x03set\x93.'),
      (v) => expect((v as GlobalV).display).toBe('builtins.set'),
    ],
    ['REDUCE', b('cbuiltins\nset\n)R.'), (v) => expect((v as ObjV).op).toBe('REDUCE')],
    ['BUILD', b('cbuiltins\nobject\n)R}b.'), (v) => expect(v).toBeInstanceOf(ObjV)],
    ['INST', b('(K\x01ibuiltins\nset\n.'), (v) => expect((v as ObjV).op).toBe('INST')],
    ['OBJ', b('(cbuiltins\nset\nK\x01o.'), (v) => expect((v as ObjV).op).toBe('OBJ')],
    ['NEWOBJ', b('cbuiltins\nobject\n)\x81.'), (v) => expect((v as ObjV).op).toBe('NEWOBJ')],
    ['NEWOBJ_EX', b('cbuiltins\nobject\n)}\x92.'), (v) => expect((v as ObjV).op).toBe('NEWOBJ_EX')],
    ['PERSID', b('P0\n.'), (v) => expect(v).toMatchObject({ k: 11 })],
    ['BINPERSID', b('K\x01Q.'), (v) => expect(v).toMatchObject({ k: 11 })],
    ['EXT1', b('\x82\x01.'), (v) => expect(v).toMatchObject({ k: 11 })],
    ['EXT2', b('\x83\x01\x00.'), (v) => expect(v).toMatchObject({ k: 11 })],
    ['EXT4', b('\x84\x01\x00\x00\x00.'), (v) => expect(v).toMatchObject({ k: 11 })],
    [
      'long strings are skipped by count',
      new PickleAsm(4).str('x'.repeat(5000)).stop().bytes(),
      (v) => expect(v).toBe(LONG_STR),
    ],
  ];
  for (const [name, bytes, check] of cases) {
    it(name, () => {
      check(result(bytes));
      // Every chunking gives the same result (resumption across chunk boundaries).
      check(result(bytes, 1));
      check(result(bytes, 3));
    });
  }

  it('STOP ends the stream and leaves following bytes unread', () => {
    const r = runVm(b('K\x01.garbage'));
    expect(r.vm.consumed).toBe(3);
    expect(r.vm.stopped).toBe(true);
  });

  it('NEXT_BUFFER is an error without out-of-band buffers (as in CPython)', () => {
    expect(errorOf(b('\x97.'))).toBe('PARSE_ERROR');
  });
});

describe('pickle VM: errors CPython raises', () => {
  const bad: [string, string][] = [
    ['unknown opcode', '\xff.'],
    ['stack underflow', '0.'],
    ['STOP with empty stack', '.'],
    ['missing MARK', 'K\x01t.'],
    ['GET of a missing memo key', 'h\x03.'],
    ['unsupported protocol', '\x80\x06N.'],
    ['unquoted STRING', 'Sabc\n.'],
    ['bad INT', 'Ix1\n.'],
    ['odd DICT', '(K\x01d.'],
    ['odd SETITEMS', '}(K\x01u.'],
    ['negative BINSTRING', 'T\xff\xff\xff\xff.'],
    ['negative LONG4', '\x8b\xff\xff\xff\xff.'],
    ['EXT code 0', '\x82\x00.'],
    ['REDUCE args not a tuple', 'cbuiltins\nset\n]R.'],
    ['REDUCE on a non-callable', 'K\x01)R.'],
    ['NEWOBJ class not a type', 'K\x01)\x81.'],
    ['STACK_GLOBAL underflow', '\x8c\x01a\x93.'],
    ['pop below a mark', 'K\x01(0\x30.'],
    ['GLOBAL with an empty name line', 'cos\n\n.'],
    ['negative PUT', 'K\x01p-1\n.'],
  ];
  for (const [name, text] of bad) {
    it(name, () => expect(errorOf(b(text))).toBe('PARSE_ERROR'));
  }

  it('truncated data is TRUNCATED, not clean', () => {
    expect(errorOf(b('\x8c\x05ab'))).toBe('TRUNCATED');
    expect(errorOf(b('cos\nsys'))).toBe('TRUNCATED');
  });

  it('a FRAME longer than the stream is TRUNCATED at the end', () => {
    const bytes = b('\x80\x04\x95\xff\x00\x00\x00\x00\x00\x00\x00N.');
    const r = runVm(bytes);
    expect(r.error).toBeUndefined();
    expect(r.vm.frameShortfall).toBe(true);
  });
});

describe('pickle VM: limits', () => {
  it('opcode limit', () =>
    expect(runVm(b('NNNNNN.'), 100, { maxPickleOpcodes: 3 }).error?.code).toBe('LIMIT_OPCODES'));
  it('stack limit', () =>
    expect(runVm(b('((((((N.'), 100, { maxPickleStack: 4 }).error?.code).toBe('LIMIT_STACK'));
  it('memo limit', () =>
    expect(runVm(b('N\x94\x94\x94\x94.'), 100, { maxPickleMemo: 2 }).error?.code).toBe('LIMIT_MEMO'));
  it('line limit', () =>
    expect(runVm(b(`c${'a'.repeat(100)}\nb\n.`), 7, { maxPickleLine: 32 }).error?.code).toBe('LIMIT_HEADER'));
  it('a huge LONG_BINPUT index does not allocate', () => {
    expect(result(b('K\x01r\xff\xff\xff\xff0j\xff\xff\xff\xff.'))).toBe(1);
  });
});
