import { ScanStop } from '../../errors.js';
import { quoteName } from '../data/names.js';
import { GGML_TYPES, GGUF_SCALAR_SIZE, GGUF_TYPE } from './ggml-types.js';
import { need, skip, type Feed, type Pull } from './pull.js';

/** Sanity caps on counts a header declares (real models: ~50 keys, ~1,000 tensors). */
export const GGUF_MAX_KV = 1 << 20;
export const GGUF_MAX_TENSORS = 1 << 20;
export const GGUF_MAX_DIMS = 4;
/** Longest key or tensor name accepted (the format caps keys at 65,535 bytes). */
export const GGUF_MAX_NAME = 65_535;
/** Largest `general.alignment` accepted; writers use 32. Larger would let padding hide a payload. */
export const GGUF_MAX_ALIGNMENT = 1 << 16;
/** Longest string value read into memory (chat templates); other strings are skipped, not buffered. */
export const GGUF_MAX_KEPT_STRING = 4 * 1024 * 1024;
const INT64_MAX = (1n << 63n) - 1n;

export interface GgufHeader {
  version: number;
  bigEndian: boolean;
  kvCount: number;
  tensorCount: number;
  alignment: number;
  /** Byte offset where tensor data starts (header end rounded up to the alignment). */
  dataStart: number;
  /** Bytes of data the tensors need (end of the last tensor, unpadded). */
  dataNeeded: bigint;
  /** End of the data section including the last tensor's padding. */
  dataPadded: bigint;
}

export interface GgufOptions {
  /** Most header bytes that may be read (min of maxHeaderBytes and the file size when known). */
  headerCap: number;
  fileSize: number | undefined;
  /** Called with each chat template string (`tokenizer.chat_template` and `tokenizer.chat_template.*`). */
  onTemplate(key: string, template: string, offset: number): void;
  onIssue(message: string, offset: number): void;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function bad(message: string, offset: number): ScanStop {
  return new ScanStop('PARSE_ERROR', `gguf: ${message}`, offset);
}

/**
 * Parse a GGUF v1-v3 header (little- or big-endian): key/values, then tensor infos, with every count and
 * length checked against caps and the bytes left before anything is read or allocated. Arithmetic on sizes
 * and offsets is BigInt. Tensor offsets must be exactly where the reference loader expects them (in order,
 * aligned, no gaps or overlaps), so no tensor can hide bytes or alias another.
 */
export function* parseGgufHeader(feed: Feed, opt: GgufOptions): Pull<GgufHeader> {
  yield* need(feed, 8);
  const head = feed.take(8);
  const leVersion = new DataView(head.buffer, head.byteOffset + 4, 4).getUint32(0, true);
  const bigEndian = leVersion > 0xffff;
  const version = bigEndian
    ? new DataView(head.buffer, head.byteOffset + 4, 4).getUint32(0, false)
    : leVersion;
  if (version < 1 || version > 3)
    throw new ScanStop('UNSUPPORTED_FORMAT', `gguf: unsupported version ${version}`, 4);
  const le = !bigEndian;
  const wide = version >= 2;

  function* u32(): Pull<number> {
    yield* need(feed, 4);
    const b = feed.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, le);
  }
  function* u64(): Pull<bigint> {
    yield* need(feed, 8);
    const b = feed.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, le);
  }
  function* count(what: string, max: number, minBytesEach: number): Pull<number> {
    const at = feed.consumed;
    const n = wide ? yield* u64() : BigInt(yield* u32());
    if (n > BigInt(max)) throw bad(`${what} count ${n} exceeds the limit ${max}`, at);
    room(Number(n) * minBytesEach, `${n} ${what}`, at);
    return Number(n);
  }
  /** Fail before reading `bytes` more header bytes if they cannot be there or exceed the cap. */
  function room(bytes: number, what: string, at: number): void {
    const end = feed.consumed + bytes;
    if (opt.fileSize !== undefined && end > opt.fileSize)
      throw bad(`${what} would extend past the end of the file`, at);
    if (end > opt.headerCap)
      throw new ScanStop(
        'LIMIT_HEADER',
        `gguf: ${what} would take the header past ${opt.headerCap} bytes`,
        at,
      );
  }
  function* strLen(what: string): Pull<number> {
    const at = feed.consumed;
    const n = wide ? yield* u64() : BigInt(yield* u32());
    if (n > BigInt(opt.headerCap))
      throw new ScanStop('LIMIT_HEADER', `gguf: ${what} of ${n} bytes exceeds ${opt.headerCap}`, at);
    room(Number(n), what, at);
    return Number(n);
  }
  function* text(n: number, what: string): Pull<string> {
    const at = feed.consumed;
    yield* need(feed, n);
    try {
      return UTF8.decode(feed.take(n));
    } catch {
      throw bad(`${what} is not valid UTF-8`, at);
    }
  }
  function* name(what: string): Pull<string> {
    const n = yield* strLen(what);
    if (n > GGUF_MAX_NAME) throw bad(`${what} of ${n} bytes is too long`, feed.consumed);
    return yield* text(n, what);
  }
  function* skipValue(type: number, key: string, depth: number): Pull<void> {
    const fixed = GGUF_SCALAR_SIZE.get(type);
    if (fixed !== undefined) {
      room(fixed, `value of ${quoteName(key)}`, feed.consumed);
      return yield* skip(feed, fixed);
    }
    if (type === GGUF_TYPE.STRING)
      return yield* skip(feed, yield* strLen(`string value of ${quoteName(key)}`));
    if (type === GGUF_TYPE.ARRAY && depth === 0) {
      const elemType = yield* u32();
      const size = GGUF_SCALAR_SIZE.get(elemType);
      if (size === undefined && elemType !== GGUF_TYPE.STRING)
        throw bad(`array ${quoteName(key)} has invalid element type ${elemType}`, feed.consumed - 4);
      const n = yield* count(
        `elements of array ${quoteName(key)}`,
        Number.MAX_SAFE_INTEGER,
        size ?? (wide ? 8 : 4),
      );
      if (size !== undefined) return yield* skip(feed, n * size);
      for (let i = 0; i < n; i++) yield* skip(feed, yield* strLen(`string ${i} of array ${quoteName(key)}`));
      return;
    }
    throw bad(`key ${quoteName(key)} has invalid value type ${type}`, feed.consumed - 4);
  }

  const tensorCount = yield* count('tensors', GGUF_MAX_TENSORS, wide ? 32 : 28);
  const kvCount = yield* count('key/values', GGUF_MAX_KV, wide ? 13 : 9);
  const keys = new Set<string>();
  let alignment = 32;
  for (let i = 0; i < kvCount; i++) {
    const at = feed.consumed;
    const key = yield* name(`key ${i}`);
    if (keys.has(key)) throw bad(`duplicate key ${quoteName(key)} (loaders disagree on which one wins)`, at);
    keys.add(key);
    const type = yield* u32();
    if (key === 'general.alignment') {
      if (type !== GGUF_TYPE.UINT32) throw bad('general.alignment is not a uint32', at);
      alignment = yield* u32();
      if (alignment === 0 || (alignment & (alignment - 1)) !== 0 || alignment > GGUF_MAX_ALIGNMENT) {
        throw bad(`general.alignment ${alignment} is not a power of two up to ${GGUF_MAX_ALIGNMENT}`, at);
      }
    } else if (key === 'tokenizer.chat_template' || key.startsWith('tokenizer.chat_template.')) {
      if (type !== GGUF_TYPE.STRING) {
        opt.onIssue(`${quoteName(key)} is not a string; not checked`, at);
        yield* skipValue(type, key, 0);
        continue;
      }
      const n = yield* strLen(`value of ${quoteName(key)}`);
      if (n > GGUF_MAX_KEPT_STRING) {
        opt.onIssue(`${quoteName(key)} of ${n} bytes exceeds ${GGUF_MAX_KEPT_STRING}; not checked`, at);
        yield* skip(feed, n);
        continue;
      }
      const valueAt = feed.consumed;
      opt.onTemplate(key, yield* text(n, `value of ${quoteName(key)}`), valueAt);
    } else {
      yield* skipValue(type, key, 0);
    }
  }

  const names = new Set<string>();
  let expected = 0n;
  let dataNeeded = 0n;
  const align = BigInt(alignment);
  for (let i = 0; i < tensorCount; i++) {
    const at = feed.consumed;
    const tname = yield* name(`tensor ${i} name`);
    if (names.has(tname)) throw bad(`duplicate tensor name ${quoteName(tname)}`, at);
    names.add(tname);
    const q = quoteName(tname);
    const nDims = yield* u32();
    if (nDims > GGUF_MAX_DIMS) throw bad(`tensor ${q} has ${nDims} dimensions (max ${GGUF_MAX_DIMS})`, at);
    let numel = 1n;
    let ne0 = 1n;
    for (let d = 0; d < nDims; d++) {
      const ne = wide ? yield* u64() : BigInt(yield* u32());
      if (ne > INT64_MAX) throw bad(`tensor ${q} dimension ${d} is negative as int64`, at);
      if (d === 0) ne0 = ne;
      numel *= ne;
      if (numel > INT64_MAX) throw bad(`tensor ${q} element count overflows int64`, at);
    }
    const type = yield* u32();
    const traits = GGML_TYPES.get(type);
    if (!traits) throw bad(`tensor ${q} has unknown ggml type ${type}`, at);
    const [block, bytes] = traits;
    if (ne0 % BigInt(block) !== 0n)
      throw bad(`tensor ${q} row of ${ne0} is not a multiple of the block size ${block}`, at);
    const size = (numel / BigInt(block)) * BigInt(bytes);
    const offset = yield* u64();
    if (offset !== expected)
      throw bad(
        `tensor ${q} has data offset ${offset}, expected ${expected} (gap, overlap or misalignment)`,
        at,
      );
    dataNeeded = offset + size;
    expected = ((dataNeeded + align - 1n) / align) * align;
    if (expected > INT64_MAX) throw bad(`tensor ${q} data end overflows int64`, at);
  }
  const aligned = Math.ceil(feed.consumed / alignment) * alignment;
  if (tensorCount === 0) {
    // No tensor data: padding up to the alignment is allowed but not required.
    const padding = BigInt(aligned - feed.consumed);
    return {
      version,
      bigEndian,
      kvCount,
      tensorCount,
      alignment,
      dataStart: feed.consumed,
      dataNeeded: 0n,
      dataPadded: padding,
    };
  }
  const dataStart = aligned;
  room(dataStart - feed.consumed, 'padding before tensor data', feed.consumed);
  yield* skip(feed, dataStart - feed.consumed);
  return { version, bigEndian, kvCount, tensorCount, alignment, dataStart, dataNeeded, dataPadded: expected };
}
