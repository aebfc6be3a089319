import { K_DICT, K_GLOBAL, K_OBJ, K_TUPLE, K_UNKNOWN, type Value } from './values.js';

/** Type checks CPython makes before a call. A global, call result or unknown value may be anything at run time. */
function opaque(v: Value): boolean {
  if (typeof v !== 'object' || v === null) return false;
  return v.k === K_GLOBAL || v.k === K_OBJ || v.k === K_UNKNOWN;
}

/** Could `v` be a tuple at load time? */
export function maybeTuple(v: Value): boolean {
  return opaque(v) || (typeof v === 'object' && v !== null && v.k === K_TUPLE);
}

/** Could `v` be a dict at load time? */
export function maybeDict(v: Value): boolean {
  return opaque(v) || (typeof v === 'object' && v !== null && v.k === K_DICT);
}

/** Could `v` be callable (literal ints, strings, containers are not)? */
export function canCall(v: Value): boolean {
  return opaque(v);
}

/** Could `v` be a class? */
export function maybeType(v: Value): boolean {
  return opaque(v);
}
