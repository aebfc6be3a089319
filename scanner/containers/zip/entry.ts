import type { DetectorContext, MemberOptions } from '../../detector.js';
import type { ByteSink } from '../../sink.js';
import { ExpansionGuard } from '../expansion-guard.js';
import { InflatePump } from '../inflate-pump.js';
import { shownName } from '../names.js';

/** Leading content bytes kept while an entry is read (NumPy magic for .npz, symlink targets). */
export const HEAD_KEEP = 256;

/** Compressed bytes handed to the inflater at a time. */
export const INFLATE_SLICE = 64 * 1024;

/** How a member is opened once its first content byte is known (-1 for an empty member). */
export type OpenPlan = (firstByte: number) => MemberOptions;

/**
 * One ZIP entry's data on its way to its member: stored bytes pass through, deflate is inflated (bounded by
 * the expansion guard), other methods are skipped. The member is opened on the first content byte so torch
 * code/ members can be routed by content (a pickle there is sniffed, source is TorchScript code).
 */
export class ZipEntry {
  readonly head = new Uint8Array(HEAD_KEEP);
  headLength = 0;
  private member: ByteSink | undefined;
  private readonly pump: InflatePump | undefined;
  private readonly guard: ExpansionGuard;
  /** Compressed bytes consumed. */
  consumed = 0;

  constructor(
    private readonly ctx: DetectorContext,
    readonly name: string,
    readonly method: number,
    private readonly size: number | undefined,
    private readonly plan: OpenPlan,
  ) {
    this.guard = new ExpansionGuard(ctx, shownName(name));
    if (method === 8) this.pump = new InflatePump('raw', (c) => this.content(c));
  }

  /** Deflate ends by itself; stored and skipped methods need a known size or a descriptor scan. */
  get selfTerminating(): boolean {
    return this.pump !== undefined;
  }

  get finished(): boolean {
    return this.pump?.finished ?? false;
  }

  get supported(): boolean {
    return this.method === 0 || this.method === 8;
  }

  /** Feed compressed bytes; returns how many were used (deflate stops at its end marker). */
  async write(chunk: Uint8Array): Promise<number> {
    if (this.pump) {
      // Slices keep the ratio check close: input is counted when offered, and un-counted if the stream ended.
      let used = 0;
      for (let i = 0; i < chunk.length && !this.pump.finished; i += INFLATE_SLICE) {
        const slice = chunk.subarray(i, i + INFLATE_SLICE);
        this.guard.input(slice.length);
        const n = await this.pump.write(slice);
        this.guard.input(n - slice.length);
        used += n;
      }
      this.consumed += used;
      return used;
    }
    this.consumed += chunk.length;
    if (this.method === 0 && chunk.length > 0) await this.content(chunk);
    return chunk.length;
  }

  async end(): Promise<void> {
    if (this.pump) await this.pump.end();
    if (!this.supported) return;
    if (!this.member) this.member = this.ctx.openMember(this.name, this.plan(-1));
    await this.member.end();
  }

  /** Stop after an error: end the member so what it saw is reported, without reading further. */
  async abort(): Promise<void> {
    this.pump?.abort();
    if (this.member) await this.member.end();
  }

  private async content(chunk: Uint8Array): Promise<void> {
    if (this.pump) this.guard.output(chunk.length);
    if (this.headLength < HEAD_KEEP) {
      const k = Math.min(HEAD_KEEP - this.headLength, chunk.length);
      this.head.set(chunk.subarray(0, k), this.headLength);
      this.headLength += k;
    }
    if (!this.member) {
      const opts = this.plan(chunk[0]!);
      this.member = this.ctx.openMember(this.name, this.size === undefined || opts.size !== undefined ? opts : { ...opts, size: this.size });
    }
    await this.member.write(chunk);
  }
}
