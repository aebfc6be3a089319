import { ScanStop } from '../../errors.js';
import type { Limits } from '../../limits.js';
import * as O from './opcodes.js';
import {
  BadArgument,
  checkFloatText,
  decodeAscii,
  decodeLong,
  decodeRawUnicodeEscape,
  decodeStringLine,
  decodeUtf8,
  latin1,
  parseIntText,
  parseMemoKey,
} from './text.js';
import {
  BIGINT,
  BytesV,
  DICT,
  DictV,
  EMPTY_TUPLE,
  FLOAT,
  FROZENSET,
  GlobalV,
  K_GLOBAL,
  K_OBJ,
  K_UNKNOWN,
  LIST,
  LONG_STR,
  makeTuple,
  ObjV,
  RETAIN_BYTES,
  RETAIN_TEXT,
  SET,
  UNKNOWN,
  type Sym,
  type Value,
} from './values.js';
import { VmCore } from './vm-core.js';
import type { CallOp, VmEvents } from './vm-events.js';
import { canCall, maybeDict, maybeTuple, maybeType } from './value-checks.js';

const TIME_CHECK_MASK = 0xffff;

/**
 * A streaming, bounded, symbolic interpreter of CPython's pickle opcodes. Hand-written: no library parses pickles
 * without constructing objects, exposes every call site with byte offsets, and can be fed arbitrary chunks with
 * bounded memory (see attacks.md §6). Bytes are pushed with `write`; the VM keeps only the unconsumed tail of an
 * incomplete opcode, and skips large payloads by count without copying them. It stops right after a STOP
 * (`stopped`); the owner decides what follows. Errors are ScanStop (PARSE_ERROR / LIMIT_* / TRUNCATED).
 */
export class PickleVM extends VmCore {
  /** Bytes of this object consumed so far (absolute offset of the next unread byte). */
  consumed = 0;
  /** Opcodes executed, over all streams. */
  opcodes = 0;
  /** True after a top-level STOP, until `reset()`. */
  stopped = false;
  /** The value the last top-level STOP returned (what `pickle.load` would return, symbolically). */
  result: Value = null;
  /** Offset where the current FRAME says the framed data ends (C unpickler: checked, not used to split opcodes). */
  private frameEnd = 0;
  private pend = new Uint8Array(256);
  private pendLen = 0;
  /** Payload bytes still to skip (large strings/bytes, joblib raw array data). */
  private skip = 0;
  /** joblib alignment: the next byte is a padding length, then `afterPad` bytes of array data. */
  private padNext = false;
  private afterPad = 0;
  private readonly maxNeed: number;

  constructor(
    limits: Readonly<Limits>,
    private readonly events: VmEvents,
    private readonly signal?: AbortSignal,
  ) {
    super(limits);
    this.maxNeed = Math.max(2 * limits.maxPickleLine + 8, RETAIN_TEXT + 16);
  }

  /** True when the VM holds the middle of an opcode or payload (stream cut here would be truncated). */
  get midOpcode(): boolean {
    return this.pendLen > 0 || this.skip > 0 || this.padNext;
  }

  /** Start the next stacked pickle (after a STOP). */
  reset(): void {
    this.resetMachine();
    this.stopped = false;
  }

  /** After the current BUILD: skip a joblib array's padding byte (if `padded`) and `bytes` of raw data. */
  skipRaw(padded: boolean, bytes: number): void {
    if (padded) {
      this.padNext = true;
      this.afterPad = bytes;
    } else this.skip += bytes;
  }

  /**
   * Feed bytes. Returns how many bytes of `chunk` were consumed: all of them, or fewer when a STOP ended the
   * stream (the rest belongs to whatever follows). The chunk is not kept.
   */
  write(chunk: Uint8Array): number {
    if (this.stopped) return 0;
    let from = 0;
    if (this.pendLen > 0) {
      // Complete the pending opcode with just enough of the chunk, then continue in the chunk itself.
      const old = this.pendLen;
      const take = Math.min(chunk.length, this.maxNeed);
      this.appendPend(chunk, 0, take);
      const used = this.run(this.pend, 0, this.pendLen, this.consumed);
      if (used < old) {
        // Still incomplete: every byte of the chunk is now pending (an opcode never needs more than maxNeed).
        if (take < chunk.length) this.fail('opcode argument longer than the line limit');
        this.dropPend(used);
        return chunk.length;
      }
      this.pendLen = 0;
      from = used - old;
      if (this.stopped) return from;
    }
    const pos = this.run(chunk, from, chunk.length, this.consumed - from);
    if (this.stopped) return pos;
    if (pos < chunk.length) this.appendPend(chunk, pos, chunk.length);
    return chunk.length;
  }

  /** No more bytes: report an incomplete opcode or frame as TRUNCATED. */
  end(): void {
    if (this.stopped) return;
    if (this.midOpcode)
      throw new ScanStop('TRUNCATED', 'pickle: data ends inside an opcode argument', this.consumed);
    if (this.frameEnd > this.consumed)
      throw new ScanStop('TRUNCATED', 'pickle: FRAME declares more bytes than the stream has', this.consumed);
  }

  /** Check the last FRAME against the bytes actually present (at end of stream). */
  get frameShortfall(): boolean {
    return this.frameEnd > this.consumed;
  }

  private appendPend(src: Uint8Array, a: number, b: number): void {
    const n = b - a;
    if (this.pendLen + n > this.pend.length) {
      const next = new Uint8Array(Math.max(this.pend.length * 2, this.pendLen + n));
      next.set(this.pend.subarray(0, this.pendLen));
      this.pend = next;
    }
    this.pend.set(src.subarray(a, b), this.pendLen);
    this.pendLen += n;
  }

  private dropPend(n: number): void {
    this.pend.copyWithin(0, n, this.pendLen);
    this.pendLen -= n;
  }

  /** Find the '\n' ending a line that starts at `a`; -1 if not in the buffer yet. */
  private lineEnd(data: Uint8Array, a: number, end: number): number {
    const limit = this.limits.maxPickleLine;
    const stop = Math.min(end, a + limit + 1);
    const nl = data.indexOf(0x0a, a);
    if (nl >= 0 && nl < stop) return nl;
    if (end - a > limit)
      throw new ScanStop('LIMIT_HEADER', `pickle: line argument longer than ${limit} bytes`, this.at);
    return -1;
  }

  /**
   * Run opcodes in `data[pos, end)` (absolute offset of data[0] is `base`). Returns the position reached: `end`,
   * the start of an incomplete opcode, or just past a top-level STOP; `consumed` is brought up to it here rather
   * than after every opcode (a field write per opcode is measurable on opcode-dense files).
   */
  private run(data: Uint8Array, pos: number, end: number, base: number): number {
    const reached = this.runOps(data, pos, end, base);
    this.consumed = base + reached;
    return reached;
  }

  private runOps(data: Uint8Array, pos: number, end: number, base: number): number {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const maxOps = this.limits.maxPickleOpcodes;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - pos);
        pos += n;
        this.skip -= n;
        this.consumed = base + pos;
        if (this.skip > 0) return pos;
      }
      if (this.padNext) {
        if (pos >= end) return pos;
        this.skip = data[pos]! + this.afterPad;
        this.padNext = false;
        pos++;
        this.consumed = base + pos;
        continue;
      }
      if (pos >= end) return pos;
      const op = data[pos]!;
      const avail = end - pos;
      this.at = base + pos;
      if (++this.opcodes > maxOps)
        throw new ScanStop('LIMIT_OPCODES', `pickle: more than ${maxOps} opcodes`, this.at);
      if ((this.opcodes & TIME_CHECK_MASK) === 0 && this.signal?.aborted)
        throw new ScanStop('LIMIT_TIME', 'pickle: scan time budget exceeded', this.at);
      let next = pos + 1;
      switch (op) {
        // ---- fixed-size and argument-free opcodes
        case 0x28 /* MARK */:
          this.pushMark();
          break;
        case 0x7d /* EMPTY_DICT */:
          this.push(this.newDict(this.sp));
          break;
        case 0x5d /* EMPTY_LIST */:
          this.push(LIST);
          break;
        case 0x29 /* EMPTY_TUPLE */:
          this.push(EMPTY_TUPLE);
          break;
        case 0x8f /* EMPTY_SET */:
          this.push(SET);
          break;
        case 0x4e /* NONE */:
          this.push(null);
          break;
        case 0x88 /* NEWTRUE */:
          this.push(true);
          break;
        case 0x89 /* NEWFALSE */:
          this.push(false);
          break;
        case 0x4b /* BININT1 */:
          if (avail < 2) return this.incomplete(pos);
          this.push(data[pos + 1]!);
          next = pos + 2;
          break;
        case 0x4d /* BININT2 */:
          if (avail < 3) return this.incomplete(pos);
          this.push(view.getUint16(pos + 1, true));
          next = pos + 3;
          break;
        case 0x4a /* BININT */:
          if (avail < 5) return this.incomplete(pos);
          this.push(view.getInt32(pos + 1, true));
          next = pos + 5;
          break;
        case 0x47 /* BINFLOAT */:
          if (avail < 9) return this.incomplete(pos);
          this.push(FLOAT);
          next = pos + 9;
          break;
        case 0x94 /* MEMOIZE */:
          this.memoPut(this.memoCount, this.top());
          break;
        case 0x71 /* BINPUT */:
          if (avail < 2) return this.incomplete(pos);
          this.memoPut(data[pos + 1]!, this.top());
          next = pos + 2;
          break;
        case 0x72 /* LONG_BINPUT */:
          if (avail < 5) return this.incomplete(pos);
          this.memoPut(view.getUint32(pos + 1, true), this.top());
          next = pos + 5;
          break;
        case 0x68 /* BINGET */:
          if (avail < 2) return this.incomplete(pos);
          this.push(this.memoGet(data[pos + 1]!));
          next = pos + 2;
          break;
        case 0x6a /* LONG_BINGET */:
          if (avail < 5) return this.incomplete(pos);
          this.push(this.memoGet(view.getUint32(pos + 1, true)));
          next = pos + 5;
          break;
        case 0x75 /* SETITEMS */:
          this.setItems(this.marker(), 'SETITEMS');
          break;
        case 0x73 /* SETITEM */:
          this.setItems(this.sp - 2, 'SETITEM');
          break;
        case 0x65 /* APPENDS */:
          this.appendItems(this.marker(), 'APPENDS');
          break;
        case 0x61 /* APPEND */:
          this.appendItems(this.sp - 1, 'APPEND');
          break;
        case 0x85 /* TUPLE1 */:
        case 0x86 /* TUPLE2 */:
        case 0x87 /* TUPLE3 */:
          this.push(makeTuple(this.popFrom(this.sp - (op - O.TUPLE1 + 1))));
          break;
        case 0x74 /* TUPLE */:
          this.push(makeTuple(this.popFrom(this.marker())));
          break;
        case 0x6c /* LIST */:
          this.popFrom(this.marker());
          this.push(LIST);
          break;
        case 0x91 /* FROZENSET */:
          this.popFrom(this.marker());
          this.push(FROZENSET);
          break;
        case 0x64 /* DICT */:
          this.dictFromMark();
          break;
        case 0x90 /* ADDITEMS */:
          this.addItems();
          break;
        case 0x30 /* POP */:
          this.popOp();
          break;
        case 0x31 /* POP_MARK */:
          this.truncate(this.marker());
          break;
        case 0x32 /* DUP */:
          this.push(this.top());
          break;
        case 0x93 /* STACK_GLOBAL */:
          this.stackGlobal();
          break;
        case 0x52 /* REDUCE */:
          this.reduce();
          break;
        case 0x62 /* BUILD */:
          this.build();
          break;
        case 0x81 /* NEWOBJ */:
          this.newobj(false);
          break;
        case 0x92 /* NEWOBJ_EX */:
          this.newobj(true);
          break;
        case 0x6f /* OBJ */:
          this.obj();
          break;
        case 0x51 /* BINPERSID */:
          this.events.onPersid('BINPERSID', this.pop(), this.at);
          this.push(UNKNOWN);
          break;
        case 0x98 /* READONLY_BUFFER */:
          this.top();
          break;
        case 0x97 /* NEXT_BUFFER */:
          return this.fail('pickle stream refers to out-of-band data but no buffers argument was given');
        case 0x2e /* STOP */: {
          const result = this.pop();
          this.consumed = base + next;
          if (this.nested) {
            this.endNested();
            this.events.onStop(this.at, true);
            break;
          }
          this.stopped = true;
          this.result = result;
          this.events.onStop(this.at, false);
          return next;
        }
        case 0x80 /* PROTO */: {
          if (avail < 2) return this.incomplete(pos);
          const p = data[pos + 1]!;
          if (p > O.HIGHEST_PROTOCOL) this.fail(`unsupported pickle protocol: ${p}`);
          this.proto = p;
          next = pos + 2;
          break;
        }
        case 0x95 /* FRAME */: {
          if (avail < 9) return this.incomplete(pos);
          const hi = view.getUint32(pos + 5, true);
          if (hi >= 0x80000000) this.fail("FRAME length exceeds system's maximum");
          this.frameEnd = base + pos + 9 + hi * 2 ** 32 + view.getUint32(pos + 1, true);
          next = pos + 9;
          break;
        }
        case 0x82 /* EXT1 */:
        case 0x83 /* EXT2 */:
        case 0x84 /* EXT4 */: {
          const n = op === O.EXT1 ? 1 : op === O.EXT2 ? 2 : 4;
          if (avail < 1 + n) return this.incomplete(pos);
          const code =
            n === 1 ? data[pos + 1]! : n === 2 ? view.getUint16(pos + 1, true) : view.getInt32(pos + 1, true);
          if (code <= 0) this.fail('EXT specifies code <= 0');
          this.events.onExt(O.opName(op), code, this.at);
          this.push(UNKNOWN);
          next = pos + 1 + n;
          break;
        }
        // ---- length-prefixed payloads
        case 0x8a /* LONG1 */:
        case 0x8b /* LONG4 */: {
          const h = op === O.LONG1 ? 2 : 5;
          if (avail < h) return this.incomplete(pos);
          const n = op === O.LONG1 ? data[pos + 1]! : view.getInt32(pos + 1, true);
          if (n < 0) this.fail('LONG pickle has negative byte count');
          if (n > RETAIN_BYTES) {
            this.push(BIGINT);
            next = this.skipPayload(pos + h, n, end);
            break;
          }
          if (avail < h + n) return this.incomplete(pos);
          this.push(decodeLong(data, pos + h, pos + h + n));
          next = pos + h + n;
          break;
        }
        case 0x8c /* SHORT_BINUNICODE */:
        case 0x58 /* BINUNICODE */:
        case 0x8d /* BINUNICODE8 */:
        case 0x55 /* SHORT_BINSTRING */:
        case 0x54 /* BINSTRING */: {
          const h = op === O.SHORT_BINUNICODE || op === O.SHORT_BINSTRING ? 2 : op === O.BINUNICODE8 ? 9 : 5;
          if (avail < h) return this.incomplete(pos);
          const n = this.payloadLength(op, view, pos);
          if (n > RETAIN_TEXT) {
            this.push(LONG_STR);
            next = this.skipPayload(pos + h, n, end);
            break;
          }
          if (avail < h + n) return this.incomplete(pos);
          this.push(decodeUtf8(data, pos + h, pos + h + n));
          next = pos + h + n;
          break;
        }
        case 0x43 /* SHORT_BINBYTES */:
        case 0x42 /* BINBYTES */:
        case 0x8e /* BINBYTES8 */:
        case 0x96 /* BYTEARRAY8 */: {
          const h = op === O.SHORT_BINBYTES ? 2 : op === O.BINBYTES ? 5 : 9;
          if (avail < h) return this.incomplete(pos);
          const n = this.payloadLength(op, view, pos);
          const mutable = op === O.BYTEARRAY8;
          if (n > RETAIN_BYTES) {
            this.push(new BytesV(n, null, mutable));
            next = this.skipPayload(pos + h, n, end);
            break;
          }
          if (avail < h + n) return this.incomplete(pos);
          this.push(new BytesV(n, data.slice(pos + h, pos + h + n), mutable));
          next = pos + h + n;
          break;
        }
        // ---- newline-terminated (protocol 0/1) arguments
        case 0x63 /* GLOBAL */:
        case 0x69 /* INST */: {
          const e1 = this.lineEnd(data, pos + 1, end);
          if (e1 < 0) return this.incomplete(pos);
          const e2 = this.lineEnd(data, e1 + 1, end);
          if (e2 < 0) return this.incomplete(pos);
          this.globalLines(op, data, pos + 1, e1, e2);
          next = e2 + 1;
          break;
        }
        default: {
          if (!O.isOpcode(op)) this.fail(`invalid load key, '\\x${op.toString(16).padStart(2, '0')}'`);
          const e = this.lineEnd(data, pos + 1, end);
          if (e < 0) return this.incomplete(pos);
          this.lineOp(op, data, pos + 1, e);
          next = e + 1;
        }
      }
      pos = next;
    }
  }

  private incomplete(pos: number): number {
    this.opcodes--;
    return pos;
  }

  private payloadLength(op: number, view: DataView, pos: number): number {
    switch (op) {
      case 0x8c /* SHORT_BINUNICODE */:
      case 0x55 /* SHORT_BINSTRING */:
      case 0x43 /* SHORT_BINBYTES */:
        return view.getUint8(pos + 1);
      case 0x54 /* BINSTRING */: {
        const n = view.getInt32(pos + 1, true);
        if (n < 0) this.fail('BINSTRING pickle has negative byte count');
        return n;
      }
      case 0x58 /* BINUNICODE */:
      case 0x42 /* BINBYTES */:
        return view.getUint32(pos + 1, true);
      default: {
        const hi = view.getUint32(pos + 5, true);
        if (hi >= 0x80000000) this.fail(`${O.opName(op)} exceeds system's maximum size`);
        return hi * 2 ** 32 + view.getUint32(pos + 1, true);
      }
    }
  }

  /** Skip `n` payload bytes starting at `from`; whatever is not in this buffer is skipped from later chunks. */
  private skipPayload(from: number, n: number, end: number): number {
    const here = Math.min(n, end - from);
    this.skip = n - here;
    return from + here;
  }

  private lineOp(op: number, data: Uint8Array, a: number, b: number): void {
    try {
      switch (op) {
        case 0x49 /* INT */: {
          const v = parseIntText(latin1(data, a, b));
          this.push(b - a === 2 && (v === 0 || v === 1) ? v === 1 : v);
          return;
        }
        case 0x4c /* LONG */: {
          const t = latin1(data, a, b);
          this.push(parseIntText(t.length > 1 && t.endsWith('L') ? t.slice(0, -1) : t));
          return;
        }
        case 0x46 /* FLOAT */:
          checkFloatText(latin1(data, a, b));
          this.push(FLOAT);
          return;
        case 0x53 /* STRING */:
          this.pushText(decodeStringLine(data, a, b));
          return;
        case 0x56 /* UNICODE */:
          this.pushText(decodeRawUnicodeEscape(data, a, b));
          return;
        case 0x67 /* GET */:
          this.push(this.memoGet(parseMemoKey(latin1(data, a, b))));
          return;
        case 0x70 /* PUT */: {
          const idx = parseMemoKey(latin1(data, a, b));
          if (idx < 0) this.fail('negative PUT argument');
          this.memoPut(idx, this.top());
          return;
        }
        case 0x50 /* PERSID */:
          this.events.onPersid('PERSID', decodeAscii(data, a, b), this.at);
          this.push(UNKNOWN);
          return;
      }
    } catch (err) {
      if (err instanceof BadArgument) this.fail(`${O.opName(op)}: ${err.message}`);
      throw err;
    }
  }

  private pushText(s: string): void {
    this.push(s.length > RETAIN_TEXT ? LONG_STR : s);
  }

  private globalLines(op: number, data: Uint8Array, a: number, e1: number, e2: number): void {
    if (e1 - a < 1 || e2 - e1 - 1 < 1) this.fail('pickle data was truncated'); // CPython's bad_readline
    let module: string;
    let name: string;
    try {
      module = op === O.INST ? decodeAscii(data, a, e1) : decodeUtf8(data, a, e1);
      name = op === O.INST ? decodeAscii(data, e1 + 1, e2) : decodeUtf8(data, e1 + 1, e2);
    } catch (err) {
      if (err instanceof BadArgument) this.fail(`${O.opName(op)}: ${err.message}`);
      throw err;
    }
    if (op === O.GLOBAL) {
      this.push(this.importGlobal(module, name, 'GLOBAL'));
      return;
    }
    const mark = this.marker();
    const cls = this.importGlobal(module, name, 'INST');
    const args = makeTuple(this.popFrom(mark));
    this.push(this.call('INST', cls, args));
  }

  private importGlobal(module: string | null, name: string | null, via: string): GlobalV {
    const g = new GlobalV(module, name, via, this.at);
    this.events.onGlobal(g);
    return g;
  }

  private stackGlobal(): void {
    const name = this.pop();
    const module = this.pop();
    if (typeof name === 'string' && typeof module === 'string')
      this.push(this.importGlobal(module, name, 'STACK_GLOBAL'));
    else this.push(this.importGlobal(null, null, 'STACK_GLOBAL'));
  }

  private call(op: CallOp, callee: Value, args: Value, target: Value | null = null): ObjV {
    this.events.onCall(op, callee, this.at, args, target);
    return new ObjV(callee, op, args);
  }

  private reduce(): void {
    const args = this.pop();
    const callable = this.pop();
    if (!maybeTuple(args)) this.fail('REDUCE: argument list must be a tuple');
    if (!canCall(callable)) this.fail('REDUCE: object is not callable');
    this.push(this.call('REDUCE', callable, args));
  }

  private newobj(ex: boolean): void {
    const kwargs = ex ? this.pop() : null;
    const args = this.pop();
    const cls = this.pop();
    const name = ex ? 'NEWOBJ_EX' : 'NEWOBJ';
    if (!maybeTuple(args)) this.fail(`${name} expected an arg tuple`);
    if (ex && !maybeDict(kwargs)) this.fail('NEWOBJ_EX kwargs must be a dict');
    if (!maybeType(cls)) this.fail(`${name} class argument isn't a type object`);
    this.push(this.call(name, cls, args));
  }

  private obj(): void {
    const mark = this.marker();
    if (this.sp - mark < 1) this.underflow();
    const args = makeTuple(this.popFrom(mark + 1));
    const cls = this.pop();
    if (!canCall(cls)) this.fail('OBJ: object is not callable');
    this.push(this.call('OBJ', cls, args));
  }

  private build(): void {
    if (this.sp - 2 < this.fence) this.underflow();
    const state = this.pop();
    const inst = this.top();
    this.mutate('BUILD', inst, state);
    if (typeof inst === 'object' && inst !== null && inst.k === K_OBJ) {
      const obj = inst as ObjV;
      if ((obj.callee as Sym | null)?.k === K_GLOBAL && (obj.callee as GlobalV).keepState) obj.state = state;
    }
    this.events.onBuild(inst, state, this.at);
  }

  /** An opcode that runs a method of `target` (its class's __setstate__, __setitem__, append, extend, add). */
  private mutate(op: CallOp, target: Value, args: Value): void {
    if (typeof target !== 'object' || target === null) return;
    const k = target.k;
    if (k === K_OBJ) this.events.onCall(op, (target as ObjV).callee, this.at, args, target);
    else if (k === K_GLOBAL || k === K_UNKNOWN) this.events.onCall(op, target, this.at, args, target);
  }

  private newDict(below: number): Value {
    const owner = below > 0 ? this.stack[below - 1] : null;
    if (typeof owner === 'object' && owner !== null && owner.k === K_OBJ) {
      const callee = (owner as ObjV).callee;
      if (
        typeof callee === 'object' &&
        callee !== null &&
        callee.k === K_GLOBAL &&
        (callee as GlobalV).keepState
      )
        return new DictV();
    }
    return DICT;
  }

  private dictFromMark(): void {
    const mark = this.marker();
    const items = this.popFrom(mark);
    if (items.length % 2 !== 0) this.fail('odd number of items for DICT');
    const d = this.newDict(mark);
    if (d instanceof DictV) for (let i = 0; i < items.length; i += 2) d.set(items[i]!, items[i + 1]!);
    this.push(d);
  }

  private setItems(x: number, op: 'SETITEM' | 'SETITEMS'): void {
    const len = this.sp;
    if (x > len || x <= 0) this.underflow();
    if (len === x) return;
    if ((len - x) % 2 !== 0) this.fail('odd number of items for SETITEMS');
    const target = this.stack[x - 1]!;
    if (target instanceof DictV)
      for (let i = x; i < len; i += 2) target.set(this.stack[i]!, this.stack[i + 1]!);
    else this.mutate(op, target, UNKNOWN);
    this.truncate(x);
  }

  private appendItems(x: number, op: 'APPEND' | 'APPENDS'): void {
    const len = this.sp;
    if (x > len || x <= 0) this.underflow();
    if (len === x) return;
    if (x < this.fence) this.underflow();
    this.mutate(op, this.stack[x - 1]!, UNKNOWN);
    this.truncate(x);
  }

  private addItems(): void {
    const mark = this.marker();
    const len = this.sp;
    if (mark > len || mark <= 0) this.underflow();
    if (len === mark) return;
    this.mutate('ADDITEMS', this.stack[mark - 1]!, UNKNOWN);
    this.truncate(mark);
  }

  /** C load_pop: pops the top mark if it sits at the top of the stack, else the top object. */
  private popOp(): void {
    if (this.nm > 0 && this.marks[this.nm - 1] === this.sp) this.nm--;
    else this.pop();
  }
}
