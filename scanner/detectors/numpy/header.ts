import { ScanStop } from '../../errors.js';
import { parseDescr, type DtypeInfo } from './dtype.js';
import { isTuple, LiteralError, parsePyLiteral } from './py-literal.js';

export interface NpyHeader {
  dtype: DtypeInfo;
  descr: string;
  shape: bigint[];
  /** prod(shape) * itemsize, for non-object dtypes. */
  dataBytes: bigint;
}

const KEYS = ['descr', 'fortran_order', 'shape'];

function bad(message: string): ScanStop {
  return new ScanStop('PARSE_ERROR', `npy: ${message}`, 8);
}

/** Parse and validate the header dict: exactly descr / fortran_order / shape, as numpy requires. */
export function parseNpyHeader(text: string): NpyHeader {
  let lit;
  try {
    lit = parsePyLiteral(text);
  } catch (err) {
    if (err instanceof LiteralError) throw bad(`header is not a Python literal (${err.message})`);
    throw err;
  }
  if (!(lit instanceof Map)) throw bad('header is not a dict');
  const keys = [...lit.keys()].sort();
  if (keys.length !== KEYS.length || keys.some((k, i) => k !== KEYS[i]))
    throw bad('header keys are not exactly descr, fortran_order, shape');
  if (typeof lit.get('fortran_order') !== 'boolean') throw bad('fortran_order is not a bool');
  const shapeLit = lit.get('shape')!;
  if (
    !isTuple(shapeLit) ||
    !shapeLit.tuple.every((d) => typeof d === 'bigint' && d >= 0n) ||
    shapeLit.tuple.length > 64
  ) {
    throw bad('shape is not a tuple of non-negative integers');
  }
  const shape = shapeLit.tuple as bigint[];
  const descrLit = lit.get('descr')!;
  const dtype = parseDescr(descrLit);
  if (!dtype) throw bad('descr is not a valid dtype');
  let numel = 1n;
  for (const d of shape) numel *= d;
  const descr = typeof descrLit === 'string' ? descrLit : 'structured';
  return { dtype, descr, shape, dataBytes: numel * dtype.itemsize };
}
