import { ScanStop } from '../../errors.js';
import { DictV, GlobalV, K_GLOBAL, K_OBJ, ObjV, TupleV, type Value } from './values.js';

/** What follows a joblib NumpyArrayWrapper's BUILD in the stream. */
export type JoblibArrayLayout =
  | { kind: 'raw'; padded: boolean; bytes: number }
  /** Object dtype: the array is pickled in-stream (protocol 2) right after the BUILD. */
  | { kind: 'pickle' };

const DESCR = /^[<>|=]?([?bBhHiIlLqQnNpPefdgFDGuicfbSUVaOmM])(\d*)(\[[A-Za-z0-9]+\])?$/;

/**
 * Item size of a numpy dtype from its descriptor string as numpy's dtype.__reduce__ writes it ('f8', 'U10', 'O8',
 * 'M8'...). Unicode descriptors count characters (4 bytes each). Returns -1 for object dtypes.
 */
export function itemSize(descr: string): number | undefined {
  const m = DESCR.exec(descr);
  if (!m) return undefined;
  const kind = m[1]!;
  const n = m[2] === '' ? undefined : Number(m[2]);
  switch (kind) {
    case 'O':
      return -1;
    case '?':
    case 'b':
    case 'B':
      return n ?? 1;
    case 'U':
      return n === undefined ? undefined : n * 4;
    case 'S':
    case 'a':
    case 'V':
      return n;
    case 'M':
    case 'm':
      return n ?? 8;
    case 'e':
      return 2;
    case 'f':
    case 'i':
    case 'u':
    case 'c':
      return n;
    case 'd':
    case 'q':
    case 'Q':
    case 'l':
    case 'L':
    case 'n':
    case 'N':
    case 'p':
    case 'P':
      return 8;
    case 'h':
    case 'H':
      return 2;
    case 'I':
      return 4;
    case 'F':
      return 8;
    case 'D':
      return 16;
    default:
      return undefined;
  }
}

function unsupported(why: string, offset: number): never {
  throw new ScanStop(
    'UNSUPPORTED_FORMAT',
    `joblib: array wrapper ${why}; the array bytes cannot be skipped exactly`,
    offset,
  );
}

/**
 * The on-disk layout after a joblib `NumpyArrayWrapper` (joblib/numpy_pickle.py `write_array` / `read_array`):
 * object arrays are a nested pickle; other arrays are one padding-length byte plus that many pad bytes (only when
 * the wrapper has `numpy_array_alignment_bytes`, joblib >= 1.2), then prod(shape) * itemsize raw bytes.
 */
export function joblibLayout(wrapper: ObjV, offset: number): JoblibArrayLayout {
  const state = wrapper.state;
  if (!(state instanceof DictV)) unsupported('state is not a readable dict', offset);
  const dtype = state.entries.get('dtype');
  const shape = state.entries.get('shape');
  if (!(dtype instanceof ObjV) || !isNumpyDtype(dtype.callee))
    unsupported('dtype is not numpy.dtype(...)', offset);
  const args = dtype.args;
  const descr = args instanceof TupleV && args.items ? args.items[0] : undefined;
  if (typeof descr !== 'string') unsupported('dtype descriptor is not a string', offset);
  const size = itemSize(descr);
  if (size === undefined) unsupported('dtype descriptor is not understood', offset);
  if (size === -1) return { kind: 'pickle' };
  const fields = dtype.state instanceof TupleV && dtype.state.items ? dtype.state.items[3] : null;
  if (fields !== null && fields !== undefined) unsupported('has a structured dtype', offset);
  let count = 1;
  if (!(shape instanceof TupleV) || !shape.items) unsupported('shape is not a readable tuple', offset);
  for (const d of shape.items) {
    if (typeof d !== 'number' || d < 0) unsupported('shape has a non-integer dimension', offset);
    count *= d;
  }
  const bytes = count * size;
  if (!Number.isSafeInteger(bytes)) unsupported('declares an array too large to skip', offset);
  const align = state.entries.get('numpy_array_alignment_bytes');
  return { kind: 'raw', padded: align !== undefined && align !== null, bytes };
}

function isNumpyDtype(v: Value): boolean {
  if (typeof v !== 'object' || v === null || v.k !== K_GLOBAL) return false;
  const g = v as GlobalV;
  return g.module !== null && /^numpy(\.|$)/.test(g.module) && g.name === 'dtype';
}

export function isObj(v: Value): v is ObjV {
  return typeof v === 'object' && v !== null && v.k === K_OBJ;
}
