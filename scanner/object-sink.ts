import { concatBytes } from './bytes.js';
import type { ArtifactCollector } from './collector.js';
import type { DetectorContext, MemberOptions } from './detector.js';
import { DETECTORS } from './detectors/index.js';
import { DRAIN } from './drain-sink.js';
import { ScanStop } from './errors.js';
import type { FormatId } from './format.js';
import type { ByteSink } from './sink.js';
import { SNIFF_BYTES, sniff } from './sniff.js';

/**
 * The sink for one object (the top-level file or any nested member): buffers at most SNIFF_BYTES to identify
 * the format by content, then hands every byte, in order and once, to that format's detector. A detector
 * failure becomes a coverage issue of this object; findings made before it are kept.
 */
export class ObjectSink implements ByteSink {
  private head: Uint8Array[] = [];
  private headLength = 0;
  private inner: ByteSink | undefined;
  private stopped = false;
  private received = 0;
  format: FormatId = 'unknown';

  constructor(
    private readonly collector: ArtifactCollector,
    private readonly member: string,
    private readonly depth: number,
    private readonly options: MemberOptions = {},
  ) {
    if (options.format) this.start(options.format);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.stopped || chunk.length === 0) return;
    this.received += chunk.length;
    if (this.options.data !== undefined) return;
    if (this.inner) return this.guard(() => this.inner!.write(chunk));
    if (this.headLength === 0 && chunk.length >= SNIFF_BYTES) {
      this.start(sniff(chunk.subarray(0, SNIFF_BYTES), false));
      return this.guard(() => this.inner!.write(chunk));
    }
    this.head.push(chunk.slice());
    this.headLength += chunk.length;
    if (this.headLength >= SNIFF_BYTES) await this.flushHead(false);
  }

  async end(): Promise<void> {
    if (this.stopped) return;
    if (this.options.data !== undefined) {
      this.format = 'unknown';
      this.collector.addEntry('data', {
        member: this.member,
        format: 'data',
        detail: `${this.options.data}, ${this.received} bytes`,
      });
      return;
    }
    if (!this.inner) await this.flushHead(true);
    if (this.stopped) return;
    await this.guard(() => this.inner!.end());
  }

  private async flushHead(complete: boolean): Promise<void> {
    const head = concatBytes(this.head, this.headLength);
    this.head = [];
    this.headLength = 0;
    this.start(sniff(head.subarray(0, SNIFF_BYTES), complete));
    if (head.length > 0) await this.guard(() => this.inner!.write(head));
  }

  private start(format: FormatId): void {
    this.format = format;
    if (this.depth === 0) this.collector.rootFormat = format;
    const detector = DETECTORS.find((d) => d.formats.includes(format));
    if (!detector) {
      this.inner = DRAIN;
      this.collector.addIssue(this.member, 'UNSUPPORTED_FORMAT', `no detector reads ${format} content`);
      return;
    }
    this.collector.addEntry('scanned', { member: this.member, format });
    try {
      this.inner = detector.create(this.context(), format);
    } catch (err) {
      this.fail(err);
    }
  }

  private async guard(step: () => void | Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    this.stopped = true;
    this.inner = DRAIN;
    if (err instanceof ScanStop) {
      this.collector.addIssue(this.member, err.code, err.message, err.offset);
    } else {
      const message = err instanceof Error ? err.message : String(err);
      this.collector.addIssue(this.member, 'INTERNAL_ERROR', `detector failed: ${message}`);
    }
  }

  private context(): DetectorContext {
    const c = this.collector;
    const member = this.member;
    return {
      member,
      depth: this.depth,
      size: this.options.size,
      limits: c.limits,
      extensions: c.extensions,
      shared: c.shared,
      signal: c.signal,
      report: (f) => {
        const { offset, ...rest } = f;
        const location = member === '' ? {} : { member };
        c.addFinding({ ...rest, location: offset === undefined ? location : { ...location, offset } });
      },
      issue: (code, message, offset) => c.addIssue(member, code, message, offset),
      scanned: (format, detail) => {
        this.format = format;
        if (this.depth === 0) c.rootFormat = format;
        c.setEntry('scanned', detail === undefined ? { member, format } : { member, format, detail });
      },
      openMember: (name, options) => openMember(c, member, name, this.depth + 1, options),
    };
  }
}

/** Open a nested object below `parent`, enforcing the depth limit. */
export function openMember(
  collector: ArtifactCollector,
  parent: string,
  name: string,
  depth: number,
  options: MemberOptions = {},
): ByteSink {
  const member = parent === '' ? name : `${parent}:${name}`;
  if (depth > collector.limits.maxDepth) {
    collector.addIssue(
      member,
      'LIMIT_DEPTH',
      `nested deeper than ${collector.limits.maxDepth} levels; not scanned`,
    );
    return DRAIN;
  }
  return new ObjectSink(collector, member, depth, options);
}
