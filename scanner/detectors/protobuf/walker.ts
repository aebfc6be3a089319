import type { FieldSpec, MessageRecord, MessageSchema, ProtoLimits } from './schema.js';

/**
 * A lenient, streaming protobuf reader. It walks the messages named by a `MessageSchema`, keeps small scalar
 * fields, counts large `bytes` fields (tensor `raw_data`) without buffering them, and hands each finished
 * record of an `emit` message to a callback. Memory is bounded by the nesting depth and the kept strings.
 *
 * Hand-written because protobufjs (and every other JS decoder) decodes a whole buffer at once, while an ONNX
 * model or SavedModel with weights can be gigabytes and arrives in chunks. Unknown fields are skipped by
 * wire type, like protobuf's own parsers do; groups (wire types 3/4) and bad wire types are errors.
 */

export type ProtoErrorCode = 'PARSE_ERROR' | 'TRUNCATED' | 'LIMIT_DEPTH' | 'LIMIT_HEADER';

export class ProtoError extends Error {
  constructor(
    readonly code: ProtoErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ProtoError';
  }
}

interface Frame {
  schema: MessageSchema;
  /** Name of the parent's field holding this message. */
  field: string;
  end: number;
  record: MessageRecord;
}

const State = { Tag: 0, Varint: 1, Length: 2, Skip: 3, Capture: 4 } as const;
type State = (typeof State)[keyof typeof State];

export class ProtoWalker {
  /** Bytes consumed so far. */
  pos = 0;
  private readonly stack: Frame[];
  private state: State = State.Tag;
  private varint = 0;
  private varintBytes = 0;
  private field = 0;
  private spec: FieldSpec | undefined;
  private remaining = 0;
  private capture: Uint8Array = new Uint8Array(0);
  private captured = 0;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false });

  constructor(
    root: MessageSchema,
    private readonly onMessage: (record: MessageRecord) => void,
    private readonly limits: ProtoLimits,
  ) {
    this.stack = [{ schema: root, field: '', end: Infinity, record: newRecord(root, 0, []) }];
  }

  write(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === State.Skip) {
        const n = Math.min(this.remaining, chunk.length - i);
        i += n;
        this.pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.fieldDone();
        continue;
      }
      if (this.state === State.Capture) {
        const n = Math.min(this.capture.length - this.captured, chunk.length - i);
        this.capture.set(chunk.subarray(i, i + n), this.captured);
        this.captured += n;
        i += n;
        this.pos += n;
        if (this.captured === this.capture.length) this.finishCapture();
        continue;
      }
      const b = chunk[i++]!;
      this.pos++;
      if (this.varintBytes === 9 && b > 1) throw this.error('PARSE_ERROR', 'varint longer than 64 bits');
      this.varint += (b & 0x7f) * 2 ** (7 * this.varintBytes++);
      if (b & 0x80) continue;
      const value = this.varint;
      this.varint = 0;
      this.varintBytes = 0;
      if (this.state === State.Tag) this.onTag(value);
      else if (this.state === State.Varint) {
        if (this.spec?.kind === 'varint') this.keep(this.top.record.varints, this.spec.name, value);
        this.fieldDone();
      } else this.onLength(value);
    }
  }

  /** No more bytes: every message must be closed at a field boundary. The root record is emitted if asked. */
  end(): void {
    if (this.state !== State.Tag || this.varintBytes > 0 || this.stack.length > 1) {
      throw this.error('TRUNCATED', `protobuf stream ends inside a ${this.top.schema.name}`);
    }
    const root = this.stack.pop()!;
    if (root.schema.emit) this.onMessage(root.record);
  }

  private get top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  private error(code: ProtoErrorCode, message: string): ProtoError {
    return new ProtoError(code, message, this.pos);
  }

  private onTag(tag: number): void {
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw this.error('PARSE_ERROR', 'protobuf field number 0');
    this.field = field;
    this.spec = this.top.schema.fields[field];
    if (wire === 0) this.state = State.Varint;
    else if (wire === 2) this.state = State.Length;
    else if (wire === 1 || wire === 5) this.skip(wire === 1 ? 8 : 4);
    else throw this.error('PARSE_ERROR', `unsupported protobuf wire type ${wire} (field ${field})`);
  }

  private onLength(length: number): void {
    const frame = this.top;
    if (this.pos + length > frame.end)
      throw this.error('PARSE_ERROR', `field ${this.field} overruns its ${frame.schema.name}`);
    const spec = this.spec;
    if (spec?.kind === 'message') {
      if (this.stack.length > this.limits.maxDepth)
        throw this.error('LIMIT_DEPTH', `protobuf nested deeper than ${this.limits.maxDepth}`);
      const schema = spec.schema();
      const parents = [...frame.record.parents, frame.schema.name];
      this.stack.push({
        schema,
        field: spec.name,
        end: this.pos + length,
        record: newRecord(schema, this.pos, parents),
      });
      this.state = State.Tag;
      this.closeFrames();
    } else if (spec?.kind === 'string' || spec?.kind === 'varint') {
      if (length > this.limits.maxString)
        throw this.error(
          'LIMIT_HEADER',
          `${frame.schema.name}.${spec.name} longer than ${this.limits.maxString} bytes`,
        );
      this.capture = new Uint8Array(length);
      this.captured = 0;
      this.state = State.Capture;
      if (length === 0) this.finishCapture();
    } else {
      if (spec?.kind === 'bytes') this.keep(frame.record.sizes, spec.name, length);
      this.skip(length);
    }
  }

  private skip(n: number): void {
    this.remaining = n;
    this.state = State.Skip;
    if (n === 0) this.fieldDone();
  }

  private finishCapture(): void {
    const spec = this.spec!;
    const record = this.top.record;
    if (spec.kind === 'string') this.keep(record.strings, spec.name, this.utf8.decode(this.capture));
    else this.readPacked(record, spec.name);
    this.capture = new Uint8Array(0);
    this.fieldDone();
  }

  private readPacked(record: MessageRecord, name: string): void {
    let value = 0;
    let shift = 0;
    for (const b of this.capture) {
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 70) throw this.error('PARSE_ERROR', 'packed varint longer than 64 bits');
      if (b & 0x80) continue;
      this.keep(record.varints, name, value);
      value = 0;
      shift = 0;
    }
    if (shift !== 0) throw this.error('PARSE_ERROR', 'packed varints end mid-value');
  }

  private keep<T>(map: Map<string, T[]>, name: string, value: T): void {
    let list = map.get(name);
    if (!list) map.set(name, (list = []));
    if (list.length >= this.limits.maxValues)
      throw this.error(
        'LIMIT_HEADER',
        `more than ${this.limits.maxValues} values in ${this.top.schema.name}.${name}`,
      );
    list.push(value);
  }

  private fieldDone(): void {
    this.state = State.Tag;
    this.closeFrames();
  }

  /** Pop every message that ends at the current position. */
  private closeFrames(): void {
    while (this.stack.length > 1 && this.top.end <= this.pos) {
      if (this.top.end < this.pos) throw this.error('PARSE_ERROR', `${this.top.schema.name} overrun`);
      const frame = this.stack.pop()!;
      if (frame.schema.emit) this.onMessage(frame.record);
      else this.keep(this.top.record.children, frame.field, frame.record);
    }
  }
}

function newRecord(schema: MessageSchema, offset: number, parents: readonly string[]): MessageRecord {
  return {
    schema: schema.name,
    offset,
    parents,
    strings: new Map(),
    varints: new Map(),
    sizes: new Map(),
    children: new Map(),
  };
}
