/**
 * Test-only writer of CPython marshal streams holding a code object, for the Keras Lambda decoder. Writes the
 * code-object layouts of Python 3.11+, 3.8-3.10 and 2.x, with back-references like CPython does.
 */
export type PyLayout = '3.11' | '3.8' | '2';

export type PyConst = string | number | null | { code: CodeSpec };

export interface CodeSpec {
  names: string[];
  consts?: PyConst[];
  name?: string;
}

const FLAG_REF = 0x80;

class Out {
  bytes: number[] = [];
  refs = 0;
  type(c: string, ref = false): void {
    this.bytes.push(c.charCodeAt(0) | (ref ? FLAG_REF : 0));
    if (ref) this.refs++;
  }
  i32(n: number): void {
    this.bytes.push(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  }
  raw(b: Uint8Array | number[]): void {
    for (const x of b) this.bytes.push(x);
  }
}

function str(o: Out, s: string, interned = true): void {
  const utf8 = new TextEncoder().encode(s);
  if (/^[\x20-\x7e]*$/.test(s) && utf8.length < 256) {
    o.type(interned ? 'Z' : 'z', true);
    o.bytes.push(utf8.length);
  } else {
    o.type('u', true);
    o.i32(utf8.length);
  }
  o.raw(utf8);
}

function bytes(o: Out, b: number[]): void {
  o.type('s');
  o.i32(b.length);
  o.raw(b);
}

function konst(o: Out, c: PyConst, layout: PyLayout): void {
  if (c === null) o.type('N');
  else if (typeof c === 'number') {
    o.type('i');
    o.i32(c);
  } else if (typeof c === 'string') str(o, c, false);
  else code(o, c.code, layout);
}

function tuple<T>(o: Out, items: readonly T[], each: (item: T) => void): void {
  o.type(')');
  o.bytes.push(items.length);
  for (const it of items) each(it);
}

function code(o: Out, spec: CodeSpec, layout: PyLayout): void {
  o.type('c', true);
  const ints =
    layout === '3.11' ? [1, 0, 0, 3, 0x13] : layout === '3.8' ? [1, 0, 0, 1, 3, 0x43] : [1, 1, 3, 0x43];
  for (const n of ints) o.i32(n);
  bytes(o, [0x97, 0x00, 0x7c, 0x00, 0x53, 0x00]);
  tuple(o, spec.consts ?? [null], (c) => konst(o, c, layout));
  tuple(o, spec.names, (n) => str(o, n));
  const name = spec.name ?? '<lambda>';
  if (layout === '3.11') {
    tuple(o, ['x'], (n) => str(o, n));
    bytes(o, [0x20]);
    str(o, 'model.py', false);
    const nameRef = o.refs;
    str(o, name);
    o.type('r'); // qualname: a back-reference to the name, as CPython writes it
    o.i32(nameRef);
    o.i32(1);
    bytes(o, [0x80, 0x00]);
    bytes(o, []);
  } else {
    tuple(o, ['x'], (n) => str(o, n));
    tuple(o, [], () => undefined);
    tuple(o, [], () => undefined);
    str(o, 'model.py', false);
    str(o, name);
    o.i32(1);
    bytes(o, [0x00, 0x01]);
  }
}

/** `marshal.dumps(code)` for a code object with these names and constants. */
export function marshalCode(spec: CodeSpec, layout: PyLayout = '3.11'): Uint8Array {
  const o = new Out();
  code(o, spec, layout);
  return new Uint8Array(o.bytes);
}

/** base64 as Keras' func_dump writes it (with line breaks every 76 characters). */
export function kerasBase64(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  return (b64.match(/.{1,76}/g) ?? []).join('\n') + '\n';
}
