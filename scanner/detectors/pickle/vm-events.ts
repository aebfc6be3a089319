import type { GlobalV, Value } from './values.js';

/** Kinds of call sites the VM reports. */
export type CallOp =
  | 'REDUCE'
  | 'OBJ'
  | 'INST'
  | 'NEWOBJ'
  | 'NEWOBJ_EX'
  | 'BUILD'
  | 'SETITEM'
  | 'SETITEMS'
  | 'APPEND'
  | 'APPENDS'
  | 'ADDITEMS';

/**
 * What the VM tells its owner while it runs. Called synchronously, in stream order; offsets are bytes into the
 * object. The owner may answer a BUILD by asking the VM to skip raw bytes or read a nested pickle (joblib).
 */
export interface VmEvents {
  /** A global was imported (GLOBAL, STACK_GLOBAL, INST): importing runs module code even if never called. */
  onGlobal(g: GlobalV): void;
  /**
   * Something is called: `callee` is what runs (a global, or a computed value). For BUILD / SETITEM(S) /
   * APPEND(S) / ADDITEMS `target` is the object whose method runs (its class is what matters).
   */
  onCall(op: CallOp, callee: Value, offset: number, args: Value, target: Value | null): void;
  /** PERSID / BINPERSID: the loader's persistent_load gets `pid`. */
  onPersid(op: 'PERSID' | 'BINPERSID', pid: Value, offset: number): void;
  /** EXT1/2/4: a copyreg extension code (resolved only at load time). */
  onExt(op: string, code: number, offset: number): void;
  /** After BUILD has been applied to `target`. */
  onBuild(target: Value, state: Value, offset: number): void;
  /** STOP: one pickle stream ended (`nested` for a pickle read inside another, e.g. joblib object arrays). */
  onStop(offset: number, nested: boolean): void;
}
