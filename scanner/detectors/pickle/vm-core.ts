import { ScanStop } from '../../errors.js';
import type { Limits } from '../../limits.js';
import { Memo } from './memo.js';
import type { Value } from './values.js';

interface SavedState {
  stack: Value[];
  sp: number;
  marks: number[];
  nm: number;
  memo: Memo;
  proto: number;
}

/**
 * The machine state of CPython's C unpickler: an object stack with a separate mark stack (the "fence" is the top
 * mark), and the memo. Every check mirrors _pickle.c so that a stream CPython rejects is rejected here at the same
 * opcode (PARSE_ERROR), and one it accepts is accepted.
 */
export class VmCore {
  protected stack: Value[] = [];
  protected sp = 0;
  protected marks: number[] = [];
  protected nm = 0;
  protected memo = new Memo();
  protected proto = 0;
  private saved: SavedState[] = [];
  /** Offset of the opcode being executed, for errors. */
  protected at = 0;

  /** `limits.maxPickleStack`, read on every push. */
  private readonly maxStack: number;

  constructor(protected readonly limits: Readonly<Limits>) {
    this.maxStack = limits.maxPickleStack;
  }

  protected fail(message: string): never {
    throw new ScanStop('PARSE_ERROR', `pickle: ${message}`, this.at);
  }

  protected underflow(): never {
    this.fail(this.nm > 0 ? 'unexpected MARK found' : 'unpickling stack underflow');
  }

  protected get fence(): number {
    return this.nm > 0 ? this.marks[this.nm - 1]! : 0;
  }

  protected push(v: Value): void {
    if (this.sp + this.nm >= this.maxStack) {
      throw new ScanStop('LIMIT_STACK', `pickle stack deeper than ${this.limits.maxPickleStack}`, this.at);
    }
    this.stack[this.sp++] = v;
  }

  protected pop(): Value {
    if (this.sp <= this.fence) this.underflow();
    const v = this.stack[--this.sp]!;
    this.stack[this.sp] = null;
    return v;
  }

  protected top(): Value {
    if (this.sp <= this.fence) this.underflow();
    return this.stack[this.sp - 1]!;
  }

  protected pushMark(): void {
    if (this.sp + this.nm >= this.limits.maxPickleStack) {
      throw new ScanStop('LIMIT_STACK', `pickle stack deeper than ${this.limits.maxPickleStack}`, this.at);
    }
    this.marks[this.nm++] = this.sp;
  }

  /** C `marker()`: pop the top mark and return the stack index it points to. */
  protected marker(): number {
    if (this.nm < 1) this.fail('could not find MARK');
    return this.marks[--this.nm]!;
  }

  /** Remove and return the items from `start` to the top (C `Pdata_poptuple` / `Pdata_poplist`). */
  protected popFrom(start: number): Value[] {
    if (start < this.fence || start < 0 || start > this.sp) this.underflow();
    const items = this.stack.slice(start, this.sp);
    this.truncate(start);
    return items;
  }

  protected truncate(to: number): void {
    for (let i = to; i < this.sp; i++) this.stack[i] = null;
    if (to < this.sp) this.sp = to;
  }

  /** Number of memo slots in use: the index MEMOIZE writes to (C `memo_len`). */
  protected get memoCount(): number {
    return this.memo.count;
  }

  protected memoPut(idx: number, v: Value): void {
    if (this.memo.put(idx, v) && this.memo.count > this.limits.maxPickleMemo) {
      throw new ScanStop(
        'LIMIT_MEMO',
        `pickle memo larger than ${this.limits.maxPickleMemo} entries`,
        this.at,
      );
    }
  }

  protected memoGet(idx: number): Value {
    const v = this.memo.get(idx);
    if (v === undefined) this.fail(`memo value not found at index ${idx}`);
    return v;
  }

  /** Forget the stack, marks, memo and protocol (a new stream starts). */
  protected resetMachine(): void {
    this.stack = [];
    this.sp = 0;
    this.marks = [];
    this.nm = 0;
    this.memo = new Memo();
    this.proto = 0;
  }

  /** Start a pickle nested in this stream (joblib object arrays): the outer machine resumes after its STOP. */
  beginNested(): void {
    if (this.saved.length >= 4) this.fail('nested pickles deeper than 4 levels');
    const { stack, sp, marks, nm, memo, proto } = this;
    this.saved.push({ stack, sp, marks, nm, memo, proto });
    this.resetMachine();
  }

  protected get nested(): boolean {
    return this.saved.length > 0;
  }

  protected endNested(): void {
    const s = this.saved.pop()!;
    this.stack = s.stack;
    this.sp = s.sp;
    this.marks = s.marks;
    this.nm = s.nm;
    this.memo = s.memo;
    this.proto = s.proto;
  }
}
