import { isTuple, type PyValue } from './py-literal.js';

export interface DtypeInfo {
  /** Bytes per element (for object dtypes, the pointer size numpy would use; data is a pickle anyway). */
  itemsize: bigint;
  /** True when any field is Python objects: the array data is then a pickle. */
  hasObject: boolean;
}

/** Most fields in a structured dtype, and most elements in a field's sub-array shape. */
export const MAX_FIELDS = 10_000;
const SIMPLE = /^([<>|=]?)([biufcmMOSaUV?])(\d*)(\[\d*[a-zA-Z]+\])?$/;
const KIND_SIZES: Record<string, number[]> = {
  b: [1],
  '?': [1],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  f: [2, 4, 8, 10, 12, 16],
  c: [8, 16, 20, 24, 32],
  m: [8],
  M: [8],
};

/**
 * The dtype `descr` of a .npy header: a type string such as `<f4`, `|O` or `<U10`, or a list of
 * `(name, descr[, shape])` fields. Returns undefined when the descr is not one numpy writes.
 */
export function parseDescr(descr: PyValue, depth = 0): DtypeInfo | undefined {
  if (depth > 8) return undefined;
  if (typeof descr === 'string') return simple(descr);
  if (!Array.isArray(descr) || descr.length === 0 || descr.length > MAX_FIELDS) return undefined;
  let itemsize = 0n;
  let hasObject = false;
  for (const field of descr) {
    if (!isTuple(field) || field.tuple.length < 2 || field.tuple.length > 3) return undefined;
    const [name, sub, shape] = field.tuple;
    const named =
      typeof name === 'string' ||
      (isTuple(name) && name.tuple.length === 2 && name.tuple.every((n) => typeof n === 'string'));
    if (!named) return undefined;
    const inner = parseDescr(sub!, depth + 1);
    if (!inner) return undefined;
    let count = 1n;
    if (shape !== undefined) {
      const dims = typeof shape === 'bigint' ? [shape] : isTuple(shape) ? shape.tuple : undefined;
      if (!dims || !dims.every((d) => typeof d === 'bigint' && d >= 0n)) return undefined;
      for (const d of dims as bigint[]) count *= d;
    }
    itemsize += inner.itemsize * count;
    hasObject ||= inner.hasObject;
  }
  return { itemsize, hasObject };
}

function simple(s: string): DtypeInfo | undefined {
  const m = SIMPLE.exec(s);
  if (!m) return undefined;
  const kind = m[2]!;
  const digits = m[3]!;
  if (kind === 'O')
    return digits === '' || digits === '4' || digits === '8'
      ? { itemsize: BigInt(digits || 8), hasObject: true }
      : undefined;
  if (m[4] !== undefined && kind !== 'm' && kind !== 'M') return undefined;
  if (digits === '') return undefined;
  const n = BigInt(digits);
  if (kind === 'S' || kind === 'a' || kind === 'V') return { itemsize: n, hasObject: false };
  if (kind === 'U') return { itemsize: n * 4n, hasObject: false };
  const sizes = KIND_SIZES[kind];
  if (!sizes?.includes(Number(n))) return undefined;
  return { itemsize: n, hasObject: false };
}
