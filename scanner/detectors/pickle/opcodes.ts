/**
 * Pickle opcode bytes (protocols 0-5), as read by CPython's C unpickler (Modules/_pickle.c).
 * Plain numeric constants (not an enum) so the VM's `switch` compiles to a dense jump table.
 */
export const MARK = 0x28; // (
export const STOP = 0x2e; // .
export const POP = 0x30; // 0
export const POP_MARK = 0x31; // 1
export const DUP = 0x32; // 2
export const FLOAT = 0x46; // F
export const INT = 0x49; // I
export const BININT = 0x4a; // J
export const BININT1 = 0x4b; // K
export const LONG = 0x4c; // L
export const BININT2 = 0x4d; // M
export const NONE = 0x4e; // N
export const PERSID = 0x50; // P
export const BINPERSID = 0x51; // Q
export const REDUCE = 0x52; // R
export const STRING = 0x53; // S
export const BINSTRING = 0x54; // T
export const SHORT_BINSTRING = 0x55; // U
export const UNICODE = 0x56; // V
export const BINUNICODE = 0x58; // X
export const APPEND = 0x61; // a
export const BUILD = 0x62; // b
export const GLOBAL = 0x63; // c
export const DICT = 0x64; // d
export const EMPTY_DICT = 0x7d; // }
export const APPENDS = 0x65; // e
export const GET = 0x67; // g
export const BINGET = 0x68; // h
export const INST = 0x69; // i
export const LONG_BINGET = 0x6a; // j
export const LIST = 0x6c; // l
export const EMPTY_LIST = 0x5d; // ]
export const OBJ = 0x6f; // o
export const PUT = 0x70; // p
export const BINPUT = 0x71; // q
export const LONG_BINPUT = 0x72; // r
export const SETITEM = 0x73; // s
export const TUPLE = 0x74; // t
export const EMPTY_TUPLE = 0x29; // )
export const SETITEMS = 0x75; // u
export const BINFLOAT = 0x47; // G
// protocol 2
export const PROTO = 0x80;
export const NEWOBJ = 0x81;
export const EXT1 = 0x82;
export const EXT2 = 0x83;
export const EXT4 = 0x84;
export const TUPLE1 = 0x85;
export const TUPLE2 = 0x86;
export const TUPLE3 = 0x87;
export const NEWTRUE = 0x88;
export const NEWFALSE = 0x89;
export const LONG1 = 0x8a;
export const LONG4 = 0x8b;
// protocol 3
export const BINBYTES = 0x42; // B
export const SHORT_BINBYTES = 0x43; // C
// protocol 4
export const SHORT_BINUNICODE = 0x8c;
export const BINUNICODE8 = 0x8d;
export const BINBYTES8 = 0x8e;
export const EMPTY_SET = 0x8f;
export const ADDITEMS = 0x90;
export const FROZENSET = 0x91;
export const NEWOBJ_EX = 0x92;
export const STACK_GLOBAL = 0x93;
export const MEMOIZE = 0x94;
export const FRAME = 0x95;
// protocol 5
export const BYTEARRAY8 = 0x96;
export const NEXT_BUFFER = 0x97;
export const READONLY_BUFFER = 0x98;

/** Highest protocol CPython reads (pickle.HIGHEST_PROTOCOL). */
export const HIGHEST_PROTOCOL = 5;

const NAMES: Record<number, string> = {
  [MARK]: 'MARK',
  [STOP]: 'STOP',
  [POP]: 'POP',
  [POP_MARK]: 'POP_MARK',
  [DUP]: 'DUP',
  [FLOAT]: 'FLOAT',
  [INT]: 'INT',
  [BININT]: 'BININT',
  [BININT1]: 'BININT1',
  [LONG]: 'LONG',
  [BININT2]: 'BININT2',
  [NONE]: 'NONE',
  [PERSID]: 'PERSID',
  [BINPERSID]: 'BINPERSID',
  [REDUCE]: 'REDUCE',
  [STRING]: 'STRING',
  [BINSTRING]: 'BINSTRING',
  [SHORT_BINSTRING]: 'SHORT_BINSTRING',
  [UNICODE]: 'UNICODE',
  [BINUNICODE]: 'BINUNICODE',
  [APPEND]: 'APPEND',
  [BUILD]: 'BUILD',
  [GLOBAL]: 'GLOBAL',
  [DICT]: 'DICT',
  [EMPTY_DICT]: 'EMPTY_DICT',
  [APPENDS]: 'APPENDS',
  [GET]: 'GET',
  [BINGET]: 'BINGET',
  [INST]: 'INST',
  [LONG_BINGET]: 'LONG_BINGET',
  [LIST]: 'LIST',
  [EMPTY_LIST]: 'EMPTY_LIST',
  [OBJ]: 'OBJ',
  [PUT]: 'PUT',
  [BINPUT]: 'BINPUT',
  [LONG_BINPUT]: 'LONG_BINPUT',
  [SETITEM]: 'SETITEM',
  [TUPLE]: 'TUPLE',
  [EMPTY_TUPLE]: 'EMPTY_TUPLE',
  [SETITEMS]: 'SETITEMS',
  [BINFLOAT]: 'BINFLOAT',
  [PROTO]: 'PROTO',
  [NEWOBJ]: 'NEWOBJ',
  [EXT1]: 'EXT1',
  [EXT2]: 'EXT2',
  [EXT4]: 'EXT4',
  [TUPLE1]: 'TUPLE1',
  [TUPLE2]: 'TUPLE2',
  [TUPLE3]: 'TUPLE3',
  [NEWTRUE]: 'NEWTRUE',
  [NEWFALSE]: 'NEWFALSE',
  [LONG1]: 'LONG1',
  [LONG4]: 'LONG4',
  [BINBYTES]: 'BINBYTES',
  [SHORT_BINBYTES]: 'SHORT_BINBYTES',
  [SHORT_BINUNICODE]: 'SHORT_BINUNICODE',
  [BINUNICODE8]: 'BINUNICODE8',
  [BINBYTES8]: 'BINBYTES8',
  [EMPTY_SET]: 'EMPTY_SET',
  [ADDITEMS]: 'ADDITEMS',
  [FROZENSET]: 'FROZENSET',
  [NEWOBJ_EX]: 'NEWOBJ_EX',
  [STACK_GLOBAL]: 'STACK_GLOBAL',
  [MEMOIZE]: 'MEMOIZE',
  [FRAME]: 'FRAME',
  [BYTEARRAY8]: 'BYTEARRAY8',
  [NEXT_BUFFER]: 'NEXT_BUFFER',
  [READONLY_BUFFER]: 'READONLY_BUFFER',
};

/** Opcode name for evidence and error messages. */
export function opName(op: number): string {
  return NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
}

/** True when `op` is an opcode CPython's unpickler reads. */
export function isOpcode(op: number): boolean {
  return NAMES[op] !== undefined;
}
