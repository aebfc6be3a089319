import type { DetectorContext, MemberOptions } from '../../detector.js';
import type { ByteSink } from '../../sink.js';
import { ExpansionGuard } from '../expansion-guard.js';
import { InflatePump } from '../inflate-pump.js';
import { shownName } from '../names.js';

/** Leading content bytes kept while an entry is read (NumPy magic for .npz, symlink targets). */
export const HEAD_KEEP = 256;

/** Compressed bytes handed to the inflater at a time. */
export const INFLATE_SLICE = 64 * 1024;

/**
 * How a member is opened: after its first `headBytes` content bytes (or all of it, if shorter) are known.
 * Held head bytes are bounded by SNIFF_BYTES.
 */
export interface OpenPlan {
  headBytes: number;
  open(head: Uint8Array, complete: boolean): MemberOptions;
}

/**
 * One ZIP entry's data on its way to its member: stored bytes pass through, deflate is inflated (bounded by
 * the expansion guard), other methods are skipped. The member is opened on the first content byte so torch
 * code/ members can be routed by content (a pickle there is sniffed, source is TorchScript code).
 */
export class ZipEntry {
  readonly head = new Uint8Array(HEAD_KEEP);
  headLength = 0;
  private member: ByteSink | undefined;
  /** Content held until the plan can decide how to open the member. */
  private pending: Uint8Array = new Uint8Array(0);
  private pendingLength = 0;
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
    if (!this.member) await this.openWith(this.pending.subarray(0, this.pendingLength), true);
    await this.member!.end();
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
      if (this.pendingLength + chunk.length < this.plan.headBytes) {
        this.pending = growInto(this.pending, this.pendingLength, chunk);
        this.pendingLength += chunk.length;
        return;
      }
      if (this.pendingLength > 0) {
        const head = growInto(this.pending, this.pendingLength, chunk).subarray(
          0,
          this.pendingLength + chunk.length,
        );
        this.pending = new Uint8Array(0);
        this.pendingLength = 0;
        return this.openWith(head, false);
      }
      return this.openWith(chunk, false);
    }
    await this.member.write(chunk);
  }

  private async openWith(head: Uint8Array, complete: boolean): Promise<void> {
    const opts = this.plan.open(head, complete);
    this.member = this.ctx.openMember(
      this.name,
      this.size === undefined || opts.size !== undefined ? opts : { ...opts, size: this.size },
    );
    if (head.length > 0) await this.member.write(head);
  }
}

/** A buffer holding `buf[0..length)` followed by `chunk` (reusing `buf` when it has room; may be longer). */
function growInto(buf: Uint8Array, length: number, chunk: Uint8Array): Uint8Array {
  const need = length + chunk.length;
  const out = buf.length >= need ? buf : new Uint8Array(Math.max(need, buf.length * 2));
  if (out !== buf) out.set(buf.subarray(0, length), 0);
  out.set(chunk, length);
  return out;
}
