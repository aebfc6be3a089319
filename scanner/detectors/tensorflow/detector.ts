import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import { matchesPattern } from '../../rule-extensions.js';
import { checkKerasConfig } from '../keras/config-check.js';
import { classifyTfProto, type TfProtoKind } from '../protobuf/probe.js';
import { DEFAULT_PROTO_LIMITS, first, type MessageRecord, type MessageSchema } from '../protobuf/schema.js';
import { ProtoError, ProtoWalker } from '../protobuf/walker.js';
import { TF_RULES } from './rules.js';
import { GRAPH_DEF, SAVED_METADATA, SAVED_MODEL } from './schema.js';

/** Most graph and function nodes read from one file. */
export const MAX_TF_NODES = 20_000_000;
/** Longest Keras metadata JSON (one SavedObject of keras_metadata.pb) kept to check, bytes. */
export const MAX_KERAS_METADATA_BYTES = 16 * 1024 * 1024;

const ROOTS: Record<TfProtoKind, MessageSchema> = {
  'saved-model': SAVED_MODEL,
  'graph-def': GRAPH_DEF,
  'saved-metadata': SAVED_METADATA,
};

/**
 * TensorFlow `saved_model.pb`, frozen GraphDef `.pb` and Keras `keras_metadata.pb`, streamed: every op of
 * every graph node and function-library node is graded with rules/tensorflow.yaml (policy allow/deny lists
 * first); Keras metadata JSON goes through the shared Keras config check (Lambda layers, modules).
 */
export const savedModelDetector: Detector = {
  id: 'tf-savedmodel',
  version: 1,
  formats: ['tf-savedmodel'],
  create(ctx) {
    return new SavedModelSink(ctx);
  },
};

class SavedModelSink {
  private walker: ProtoWalker | undefined;
  private kind: TfProtoKind | undefined;
  private nodes = 0;
  private functions = 0;
  private checkpointOps = 0;
  private kerasObjects = 0;
  private readonly reported = new Set<string>();
  private readonly grades: Map<string, string>;
  private readonly checkpoint: Set<string>;

  constructor(private readonly ctx: DetectorContext) {
    const doc = TF_RULES.doc;
    this.grades = new Map();
    for (const op of doc.file_write_ops) this.grades.set(op, 'TF-FILE-WRITE-OP');
    for (const op of doc.file_read_ops) this.grades.set(op, 'TF-FILE-READ-OP');
    for (const op of doc.python_ops) this.grades.set(op, 'TF-PYTHON-OP');
    this.checkpoint = new Set(doc.checkpoint_ops);
  }

  write(chunk: Uint8Array): void {
    if (!this.walker) {
      // The pipeline hands over the sniffed head (64 KiB or the whole object) as the first chunk.
      this.kind = classifyTfProto(chunk, false);
      if (!this.kind)
        throw new ScanStop('PARSE_ERROR', 'TensorFlow protobuf: top-level message not recognised', 0);
      const maxString =
        this.kind === 'saved-metadata'
          ? Math.min(this.ctx.limits.maxHeaderBytes, MAX_KERAS_METADATA_BYTES)
          : DEFAULT_PROTO_LIMITS.maxString;
      this.walker = new ProtoWalker(ROOTS[this.kind], (r) => this.onRecord(r), {
        ...DEFAULT_PROTO_LIMITS,
        maxString,
      });
    }
    this.guard(() => this.walker!.write(chunk));
  }

  end(): void {
    if (!this.walker) throw new ScanStop('TRUNCATED', 'TensorFlow protobuf is empty', 0);
    this.guard(() => this.walker!.end());
    const detail =
      this.kind === 'saved-metadata'
        ? `Keras SavedMetadata: ${this.kerasObjects} Keras config objects`
        : `TensorFlow ${this.kind}: ${this.nodes} nodes, ${this.functions} library functions, ${this.checkpointOps} checkpoint ops`;
    this.ctx.scanned('tf-savedmodel', detail);
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      if (err instanceof ProtoError)
        throw new ScanStop(err.code, `TensorFlow protobuf: ${err.message}`, err.offset);
      throw err;
    }
  }

  private onRecord(r: MessageRecord): void {
    if (r.schema === 'NodeDef') this.onNode(r);
    else if (r.schema === 'FunctionDef') this.functions++;
    else if (r.schema === 'SavedObject') this.onKerasObject(r);
  }

  private onNode(r: MessageRecord): void {
    if (++this.nodes > MAX_TF_NODES)
      throw new ProtoError('LIMIT_HEADER', `more than ${MAX_TF_NODES} TensorFlow nodes`, r.offset);
    const op = first(r, 'op') ?? '';
    if (this.checkpoint.has(op)) this.checkpointOps++;
    const { allowTfOps, denyTfOps } = this.ctx.extensions;
    let rule: string | undefined;
    if (matchesPattern(op, denyTfOps)) rule = 'TF-DENIED-OP';
    else if (matchesPattern(op, allowTfOps)) return;
    else rule = this.grades.get(op) ?? (op.includes('>') ? 'TF-CUSTOM-OP' : undefined);
    if (!rule || this.reported.has(`${rule}:${op}`)) return;
    this.reported.add(`${rule}:${op}`);
    const inFunction = r.parents.includes('FunctionDef');
    const name = op.length > 200 ? `${op.slice(0, 200)}…` : op;
    TF_RULES.report(this.ctx, rule, {
      message: `TensorFlow op ${name} in a ${inFunction ? 'function-library' : 'graph'} node`,
      evidence: `${inFunction ? 'FunctionDef' : 'GraphDef'} node op ${name}`,
      callable: name,
      offset: r.offset,
    });
  }

  private onKerasObject(r: MessageRecord): void {
    const text = first(r, 'metadata');
    if (!text) return;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      this.ctx.issue('PARSE_ERROR', 'keras_metadata.pb: SavedObject metadata is not JSON', r.offset);
      return;
    }
    this.kerasObjects += checkKerasConfig(doc, this.ctx, 'keras_metadata').objects;
  }
}
