import { ScanStop } from '../../errors.js';
import { GlobalV, TupleV, type Value } from './values.js';

/** What comes after a pickle in a record layout: another pickle, a binary header then raw bytes, or the end. */
export type RecordStep = { kind: 'pickle' } | { kind: 'raw'; header: number } | { kind: 'end' };

/**
 * The `storages` and `tensors` members of a legacy (torch < 1.6) tar checkpoint interleave small pickles with raw
 * binary, as torch's `_legacy_load` reads them:
 * - storages: pickle(count); per storage pickle((key, location, storage_type)), int64 numel, numel * element size
 *   bytes; then pickle(storage views);
 * - tensors: pickle(count); per tensor pickle((key, storage_id, tensor_type)), int32 ndim, 4 bytes, ndim int64
 *   sizes, ndim int64 strides, int64 storage offset.
 * Every pickle goes through the VM; the binary parts are skipped by their declared lengths, never parsed further.
 */
export class LegacyRecords {
  private state: 'count' | 'record' | 'views' | 'end' = 'count';
  private remaining = 0;
  private elementSize = 0;

  constructor(readonly layout: 'storages' | 'tensors') {}

  get complete(): boolean {
    return this.state === 'end';
  }

  /** Called after each pickle's STOP with the value it produced. */
  afterPickle(result: Value, at: number): RecordStep {
    switch (this.state) {
      case 'count': {
        if (typeof result !== 'number' || result < 0 || !Number.isSafeInteger(result))
          throw new ScanStop(
            'PARSE_ERROR',
            `torch legacy ${this.layout}: the count pickle is not a count`,
            at,
          );
        this.remaining = result;
        return this.nextRecord();
      }
      case 'record':
        if (this.layout === 'storages') this.elementSize = storageElementSize(result, at);
        this.remaining--;
        return { kind: 'raw', header: this.layout === 'storages' ? 8 : 4 };
      case 'views':
        this.state = 'end';
        return { kind: 'end' };
      default:
        return { kind: 'end' };
    }
  }

  /** Given the binary header after a record pickle, how many raw bytes follow it. */
  rawAfter(header: Uint8Array, at: number): number {
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    if (this.layout === 'storages') {
      const numel = view.getBigInt64(0, true);
      const bytes = numel * BigInt(this.elementSize);
      if (numel < 0n || bytes > BigInt(Number.MAX_SAFE_INTEGER))
        throw new ScanStop('PARSE_ERROR', 'torch legacy storages: storage size out of range', at);
      return Number(bytes);
    }
    const ndim = view.getInt32(0, true);
    if (ndim < 0 || ndim > 64)
      throw new ScanStop('PARSE_ERROR', `torch legacy tensors: ${ndim} dimensions`, at);
    return 4 + 16 * ndim + 8;
  }

  /** After the raw bytes of a record: the next record pickle, or what closes the member. */
  nextRecord(): RecordStep {
    if (this.remaining > 0) {
      this.state = 'record';
      return { kind: 'pickle' };
    }
    if (this.layout === 'storages') {
      this.state = 'views';
      return { kind: 'pickle' };
    }
    this.state = 'end';
    return { kind: 'end' };
  }
}

const ELEMENT_SIZES: Record<string, number> = {
  Double: 8,
  Float: 4,
  Half: 2,
  BFloat16: 2,
  Long: 8,
  Int: 4,
  Short: 2,
  Char: 1,
  Byte: 1,
  Bool: 1,
  ComplexDouble: 16,
  ComplexFloat: 8,
  QUInt8: 1,
  QInt8: 1,
  QInt32: 4,
  QUInt4x2: 1,
  QUInt2x4: 1,
};

/** Element size of the storage type in a `(key, location, storage_type)` record (`torch[.cuda].FloatStorage`). */
function storageElementSize(record: Value, at: number): number {
  const t = record instanceof TupleV && record.items?.length === 3 ? record.items[2] : undefined;
  const m =
    t instanceof GlobalV && t.module !== null && /^torch(\.cuda)?$/.test(t.module)
      ? /^(\w+)Storage$/.exec(t.name ?? '')
      : null;
  const size = m ? ELEMENT_SIZES[m[1]!] : undefined;
  if (size === undefined)
    throw new ScanStop(
      'UNSUPPORTED_FORMAT',
      'torch legacy storages: a storage record does not name a known torch storage type',
      at,
    );
  return size;
}
