import type { Detector, DetectorContext } from '../../detector.js';
import { checkKerasConfig } from './config-check.js';
import { H5FormatError, H5NeedMore, readRootAttributes, type RootAttributes } from './h5-attrs.js';

/**
 * Most leading bytes of an HDF5 file kept in memory to read the root attributes. HDF5 needs random access;
 * Keras writes `model_config` right after the superblock, so a prefix is enough. If the attributes are not in
 * the prefix the object is inconclusive, never clean. The rest of the file (weights) is counted as data.
 */
export const KERAS_H5_PREFIX_BYTES = 64 * 1024 * 1024;
/** First parse attempt; later attempts wait for twice as many bytes (or what the reader said it needs). */
const FIRST_ATTEMPT = 64 * 1024;
/** Root attributes that hold Keras configs (JSON). */
const CONFIG_ATTRIBUTES = ['model_config', 'training_config'] as const;

/** Keras 2 `.h5` models (and any HDF5 file): root `model_config` / `training_config` are checked. */
export const kerasH5Detector: Detector = {
  id: 'keras-h5',
  version: 1,
  formats: ['hdf5'],
  create(ctx) {
    return new KerasH5Sink(ctx);
  },
};

class KerasH5Sink {
  private buf = new Uint8Array(FIRST_ATTEMPT);
  private length = 0;
  private total = 0;
  private nextAttempt = FIRST_ATTEMPT;
  private done = false;
  private summary: { format: 'hdf5' | 'keras-h5'; detail: string } | undefined;

  constructor(private readonly ctx: DetectorContext) {}

  write(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.done) return;
    const room = KERAS_H5_PREFIX_BYTES - this.length;
    this.append(chunk.subarray(0, Math.min(room, chunk.length)));
    if (this.length >= this.nextAttempt || this.length >= KERAS_H5_PREFIX_BYTES) this.attempt(false);
  }

  end(): void {
    if (!this.done) this.attempt(true);
    if (this.summary) this.ctx.scanned(this.summary.format, `${this.summary.detail}; ${this.total} bytes`);
  }

  private append(part: Uint8Array): void {
    if (this.length + part.length > this.buf.length) {
      let size = this.buf.length;
      while (size < this.length + part.length) size *= 2;
      const grown = new Uint8Array(Math.min(size, KERAS_H5_PREFIX_BYTES));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    this.buf.set(part, this.length);
    this.length += part.length;
  }

  private attempt(final: boolean): void {
    const prefix = this.buf.subarray(0, this.length);
    const complete = final && this.total === this.length;
    let attrs: RootAttributes;
    try {
      attrs = readRootAttributes(prefix, Math.min(this.ctx.limits.maxHeaderBytes, KERAS_H5_PREFIX_BYTES));
    } catch (err) {
      if (
        err instanceof H5NeedMore &&
        !final &&
        err.needed <= KERAS_H5_PREFIX_BYTES &&
        this.length < KERAS_H5_PREFIX_BYTES
      ) {
        this.nextAttempt = Math.min(Math.max(err.needed, this.length * 2), KERAS_H5_PREFIX_BYTES);
        return;
      }
      this.finish();
      if (err instanceof H5NeedMore) {
        if (complete)
          this.ctx.issue(
            'TRUNCATED',
            `HDF5 file ends before its root attributes (needs byte ${err.needed})`,
            this.length,
          );
        else
          this.ctx.issue(
            'LIMIT_HEADER',
            `HDF5 root attributes not within the first ${KERAS_H5_PREFIX_BYTES} bytes; not checked`,
          );
      } else if (err instanceof H5FormatError) {
        this.ctx.issue('PARSE_ERROR', `HDF5: ${err.message}`, err.offset);
      } else throw err;
      return;
    }
    this.finish();
    this.analyze(attrs);
  }

  private finish(): void {
    this.done = true;
    this.buf = new Uint8Array(0);
  }

  private analyze({ attrs, unreadable }: RootAttributes): void {
    const ctx = this.ctx;
    const keras = attrs.has('model_config') || attrs.has('keras_version') || attrs.has('training_config');
    if (unreadable.length > 0)
      ctx.issue('UNREADABLE', `HDF5 root attributes not read: ${[...new Set(unreadable)].join(', ')}`);
    let lambdas = 0;
    let objects = 0;
    for (const name of CONFIG_ATTRIBUTES) {
      if (!attrs.has(name)) continue;
      const text = attrs.get(name);
      if (typeof text !== 'string') {
        ctx.issue('PARSE_ERROR', `HDF5 root attribute ${name} is not a string`);
        continue;
      }
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        ctx.issue('PARSE_ERROR', `HDF5 root attribute ${name} is not JSON`);
        continue;
      }
      const stats = checkKerasConfig(doc, ctx, name);
      lambdas += stats.lambdas;
      objects += stats.objects;
    }
    this.summary = keras
      ? { format: 'keras-h5', detail: `Keras h5: ${objects} config objects, ${lambdas} Lambda function(s)` }
      : { format: 'hdf5', detail: 'HDF5 data: no Keras model config in root attributes' };
  }
}
