import type { DetectorContext } from '../../detector.js';
import type { ByteSink } from '../../sink.js';
import { ExpansionGuard } from '../expansion-guard.js';
import { CONTAINER_RULES } from '../rules.js';

/** The one member a single-stream wrapper (gzip, zlib, bzip2, xz, lz4) expands into, bounded by the guard. */
export class StreamOutput {
  private member: ByteSink | undefined;
  readonly guard: ExpansionGuard;
  name: string;

  constructor(
    private readonly ctx: DetectorContext,
    name: string,
  ) {
    this.name = name;
    this.guard = new ExpansionGuard(ctx, name);
  }

  get expanded(): number {
    return this.guard.expanded;
  }

  /** Count compressed input (for the expansion ratio). */
  input(n: number): void {
    this.guard.input(n);
  }

  readonly write = async (chunk: Uint8Array): Promise<void> => {
    if (chunk.length === 0) return;
    this.guard.output(chunk.length);
    this.member ??= this.ctx.openMember(this.name);
    await this.member.write(chunk);
  };

  async end(): Promise<void> {
    this.member ??= this.ctx.openMember(this.name);
    await this.member.end();
  }
}

/** Bytes after the end of a stream or archive: reported once and scanned as their own object. */
export class TrailingData {
  private member: ByteSink | undefined;
  bytes = 0;

  constructor(
    private readonly ctx: DetectorContext,
    private readonly what: string,
  ) {}

  async write(chunk: Uint8Array, offset: number): Promise<void> {
    if (chunk.length === 0) return;
    if (!this.member) {
      CONTAINER_RULES.report(this.ctx, 'CONTAINER-POLYGLOT', {
        message: `data after the end of the ${this.what}`,
        offset,
      });
      this.member = this.ctx.openMember('<trailing>');
    }
    this.bytes += chunk.length;
    await this.member.write(chunk);
  }

  async end(): Promise<void> {
    if (this.member) await this.member.end();
  }
}
