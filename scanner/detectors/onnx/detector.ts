import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import { matchesPattern } from '../../rule-extensions.js';
import { DEFAULT_PROTO_LIMITS, first, type MessageRecord } from '../protobuf/schema.js';
import { ProtoError, ProtoWalker } from '../protobuf/walker.js';
import { locationEscape } from './external-data.js';
import { ONNX_RULES } from './rules.js';
import { MODEL, ONNX_ELEMENT_BYTES } from './schema.js';

/** Most nodes (all graphs, subgraphs and functions) read from one model. */
export const MAX_ONNX_NODES = 10_000_000;
/** Most tensors (initializers, attribute tensors) read from one model. */
export const MAX_ONNX_TENSORS = 10_000_000;
/** Most distinct custom (domain, op) pairs and local functions remembered until the end of the model. */
const MAX_TRACKED = 10_000;
const EXTERNAL = 1;

/**
 * ONNX ModelProto, streamed: every node of every graph, subgraph, training graph and local function is graded
 * by domain and op type; every tensor's external_data location is checked for path traversal and its raw_data
 * length against its dims. Weights are skipped by count, never buffered.
 */
export const onnxDetector: Detector = {
  id: 'onnx',
  version: 1,
  formats: ['onnx'],
  create(ctx) {
    return new OnnxSink(ctx);
  },
};

class OnnxSink {
  private readonly walker: ProtoWalker;
  private readonly standard: Set<string>;
  private readonly pythonOps: Set<string>;
  private nodes = 0;
  private tensors = 0;
  private external = 0;
  private graphs = 0;
  /** `domain:op` of custom-domain nodes -> first offset; resolved against local functions at the end. */
  private readonly custom = new Map<string, number>();
  private readonly functions = new Set<string>();
  private readonly reportedPython = new Set<string>();

  constructor(private readonly ctx: DetectorContext) {
    const doc = ONNX_RULES.doc;
    this.standard = new Set(doc.standard_domains);
    this.pythonOps = new Set(doc.python_ops);
    this.walker = new ProtoWalker(MODEL, (r) => this.onRecord(r), DEFAULT_PROTO_LIMITS);
  }

  write(chunk: Uint8Array): void {
    this.guard(() => this.walker.write(chunk));
  }

  end(): void {
    this.guard(() => this.walker.end());
    this.reportCustom();
    this.ctx.scanned(
      'onnx',
      `ONNX: ${this.graphs} graph(s), ${this.nodes} nodes, ${this.functions.size} local function(s), ${this.tensors} tensors (${this.external} external)`,
    );
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      if (!(err instanceof ProtoError)) throw err;
      this.reportCustom();
      throw new ScanStop(err.code, `ONNX: ${err.message}`, err.offset);
    }
  }

  private onRecord(r: MessageRecord): void {
    switch (r.schema) {
      case 'NodeProto':
        return this.onNode(r);
      case 'TensorProto':
        return this.onTensor(r);
      case 'FunctionProto':
        if (this.functions.size < MAX_TRACKED)
          this.functions.add(`${first(r, 'domain') ?? ''}:${first(r, 'name') ?? ''}`);
        return;
      case 'GraphProto':
        this.graphs++;
        return;
      case 'ModelProto':
        if (!r.varints.has('ir_version')) this.ctx.issue('PARSE_ERROR', 'ONNX model has no ir_version');
        return;
    }
  }

  private onNode(r: MessageRecord): void {
    if (++this.nodes > MAX_ONNX_NODES)
      throw new ProtoError('LIMIT_HEADER', `more than ${MAX_ONNX_NODES} ONNX nodes`, r.offset);
    const op = first(r, 'op_type') ?? '';
    const domain = first(r, 'domain') ?? '';
    const key = `${domain}:${op}`;
    if (this.pythonOps.has(op) && !this.reportedPython.has(key)) {
      this.reportedPython.add(key);
      ONNX_RULES.report(this.ctx, 'ONNX-PYTHON-OP', {
        message: `ONNX node runs Python: op ${clip(op)} in domain '${clip(domain)}'`,
        callable: clip(key),
        offset: r.offset,
      });
    }
    if (this.standard.has(domain) || matchesPattern(domain, this.ctx.extensions.allowOnnxDomains)) return;
    if (!this.custom.has(key) && this.custom.size < MAX_TRACKED) this.custom.set(key, r.offset);
  }

  private onTensor(r: MessageRecord): void {
    if (++this.tensors > MAX_ONNX_TENSORS)
      throw new ProtoError('LIMIT_HEADER', `more than ${MAX_ONNX_TENSORS} ONNX tensors`, r.offset);
    const name = clip(first(r, 'name') ?? '(unnamed)');
    const entries = r.children.get('external_data') ?? [];
    const external = r.varints.get('data_location')?.[0] === EXTERNAL || entries.length > 0;
    if (external) {
      this.external++;
      const location = entries.find((e) => first(e, 'key') === 'location');
      const value = location ? first(location, 'value') : undefined;
      const escape = value === undefined ? 'no location' : locationEscape(value);
      if (escape && value !== undefined) {
        ONNX_RULES.report(this.ctx, 'ONNX-EXTERNAL-DATA-TRAVERSAL', {
          message: `tensor ${name} reads external data from outside the model folder (${escape})`,
          evidence: `TensorProto ${name}: external_data location: ${escape}`,
          offset: r.offset,
        });
      } else if (escape) {
        this.ctx.issue('PARSE_ERROR', `ONNX tensor ${name} is external but names no location`, r.offset);
      } else if (this.external === 1) {
        ONNX_RULES.report(this.ctx, 'ONNX-EXTERNAL-DATA', {
          message: `tensor ${name} (and maybe others) is stored in an external file`,
          offset: r.offset,
        });
      }
      return;
    }
    const raw = r.sizes.get('raw_data');
    if (!raw) return;
    const perElement = ONNX_ELEMENT_BYTES[r.varints.get('data_type')?.[0] ?? 0];
    if (perElement === undefined) return;
    let count = 1;
    for (const d of r.varints.get('dims') ?? []) count *= d;
    const expected = Math.ceil(count * perElement);
    const actual = raw[raw.length - 1]!;
    if (expected !== actual) {
      this.ctx.issue(
        'PARSE_ERROR',
        `ONNX tensor ${name}: raw_data has ${actual} bytes, dims and type need ${expected}`,
        r.offset,
      );
    }
  }

  /** Custom-domain ops not defined by a local FunctionProto need a native custom-op library. */
  private reportCustom(): void {
    for (const [key, offset] of this.custom) {
      if (this.functions.has(key)) continue;
      ONNX_RULES.report(this.ctx, 'ONNX-CUSTOM-DOMAIN', {
        message: `ONNX op ${clip(key)} comes from a custom domain`,
        callable: clip(key),
        offset,
      });
    }
    this.custom.clear();
  }
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
