/**
 * An opcode-dense protocol-4 pickle, byte-for-byte what CPython's pickler writes for
 * `[{'id': i, 'name': f'n{i}', 'score': i / 2, 'ok': True} for i in range(n)]`: 64 KiB frames, every container
 * and distinct string memoized, repeated keys fetched with BINGET, APPENDS in batches of 1000.
 */
export function densePickle(targetBytes: number, count?: number): { bytes: Uint8Array; dicts: number } {
  const body: number[] = [];
  const frames: Uint8Array[] = [];
  let memo = 0;
  const keyIndex = new Map<string, number>();
  const flush = (force: boolean) => {
    if (body.length === 0 || (!force && body.length < 65536)) return;
    const f = new Uint8Array(9 + body.length);
    f[0] = 0x95; // FRAME
    new DataView(f.buffer).setBigUint64(1, BigInt(body.length), true);
    f.set(body, 9);
    frames.push(f);
    body.length = 0;
  };
  const shortStr = (s: string) => {
    body.push(0x8c, s.length, ...Buffer.from(s, 'latin1'), 0x94); // SHORT_BINUNICODE MEMOIZE
    return memo++;
  };
  const key = (k: string) => {
    const at = keyIndex.get(k);
    if (at === undefined) keyIndex.set(k, shortStr(k));
    else if (at < 256)
      body.push(0x68, at); // BINGET
    else body.push(0x6a, at & 0xff, (at >> 8) & 0xff, (at >> 16) & 0xff, at >>> 24); // LONG_BINGET
  };
  const approxPerDict = 40;
  const n = count ?? Math.max(1, Math.floor(targetBytes / approxPerDict));
  body.push(0x5d, 0x94); // EMPTY_LIST MEMOIZE
  memo++;
  const score = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < n; i++) {
    if (i % 1000 === 0) body.push(0x28); // MARK
    body.push(0x7d, 0x94, 0x28); // EMPTY_DICT MEMOIZE MARK
    memo++;
    key('id');
    if (i < 256) body.push(0x4b, i);
    else if (i < 65536) body.push(0x4d, i & 0xff, i >> 8);
    else body.push(0x4a, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, i >>> 24);
    key('name');
    shortStr(`n${i}`);
    key('score');
    score.setFloat64(0, i / 2, false);
    body.push(0x47, ...new Uint8Array(score.buffer)); // BINFLOAT (big-endian)
    key('ok');
    body.push(0x88, 0x75); // NEWTRUE SETITEMS
    if (i % 1000 === 999 || i === n - 1) body.push(0x65); // APPENDS
    flush(false);
  }
  body.push(0x2e); // STOP
  flush(true);
  const total = 2 + frames.reduce((s, f) => s + f.length, 0);
  const bytes = new Uint8Array(total);
  bytes.set([0x80, 0x04], 0);
  let at = 2;
  for (const f of frames) {
    bytes.set(f, at);
    at += f.length;
  }
  return { bytes, dicts: n };
}
