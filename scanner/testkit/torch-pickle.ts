/**
 * The data.pkl of a torch checkpoint holding one float32 tensor in storage key '0', assembled opcode by opcode
 * the way torch.save writes it (protocol 2): an OrderedDict built with torch._utils._rebuild_tensor_v2 and a
 * BINPERSID storage tuple.
 */
export function torchStateDictPickle(numel: number): Uint8Array {
  const parts: number[] = [];
  const op = (...b: number[]) => parts.push(...b);
  const str = (s: string) => {
    const b = Buffer.from(s);
    op(0x58, ...u32(b.length), ...b); // BINUNICODE
  };
  const global = (m: string, n: string) => op(0x63, ...Buffer.from(`${m}\n${n}\n`)); // GLOBAL
  const int = (v: number) => op(0x4a, ...u32(v)); // BININT
  op(0x80, 0x02); // PROTO 2
  global('collections', 'OrderedDict');
  op(0x29, 0x52); // EMPTY_TUPLE REDUCE
  op(0x28); // MARK
  str('weight');
  global('torch._utils', '_rebuild_tensor_v2');
  op(0x28); // MARK (args tuple)
  op(0x28); // MARK (persistent id tuple)
  str('storage');
  global('torch', 'FloatStorage');
  str('0');
  str('cpu');
  int(numel);
  op(0x74, 0x51); // TUPLE BINPERSID
  int(0); // storage offset
  op(0x4a, ...u32(numel), 0x85); // size tuple (numel,) TUPLE1
  op(0x4b, 0x01, 0x85); // stride (1,) TUPLE1
  op(0x89); // NEWFALSE requires_grad
  global('collections', 'OrderedDict');
  op(0x29, 0x52); // backward hooks
  op(0x74, 0x52); // TUPLE REDUCE
  op(0x75); // SETITEMS
  op(0x2e); // STOP
  return Uint8Array.from(parts);
}

function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
