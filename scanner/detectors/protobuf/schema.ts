/**
 * The part of a protobuf schema the streaming walker needs: which fields to descend into, which small
 * scalars to keep, and which bytes fields to count. Every other field is skipped by its wire type.
 */
export type FieldSpec =
  /** A sub-message: descended into. `schema` is a thunk so schemas can be recursive (graphs in attributes). */
  | { name: string; kind: 'message'; schema: () => MessageSchema }
  /** A string kept (UTF-8), bounded by `ProtoLimits.maxString`. */
  | { name: string; kind: 'string' }
  /** An integer (varint, repeated or packed) kept as a number. */
  | { name: string; kind: 'varint' }
  /** A bytes field whose length is recorded; its content is skipped without buffering (e.g. raw_data). */
  | { name: string; kind: 'bytes' };

export interface MessageSchema {
  name: string;
  fields: Readonly<Record<number, FieldSpec>>;
  /**
   * true: the walker hands a finished record of this message to the callback and keeps nothing of it.
   * false: the record is attached to its parent record (small messages such as key/value entries).
   */
  emit: boolean;
}

/** What the walker kept of one message. */
export interface MessageRecord {
  schema: string;
  /** Byte offset of the message's first byte in the stream. */
  offset: number;
  /** Schema names of the enclosing messages, outermost first. */
  parents: readonly string[];
  strings: Map<string, string[]>;
  varints: Map<string, number[]>;
  /** Lengths of `bytes` fields. */
  sizes: Map<string, number[]>;
  /** Records of non-emitted sub-messages. */
  children: Map<string, MessageRecord[]>;
}

export interface ProtoLimits {
  /** Deepest message nesting. */
  maxDepth: number;
  /** Longest kept string (and packed-integer block), bytes. */
  maxString: number;
  /** Most values/children kept per field of one record. */
  maxValues: number;
}

export const DEFAULT_PROTO_LIMITS: Readonly<ProtoLimits> = Object.freeze({
  maxDepth: 64,
  maxString: 64 * 1024,
  maxValues: 100_000,
});

export function first(record: MessageRecord, field: string): string | undefined {
  return record.strings.get(field)?.[0];
}
