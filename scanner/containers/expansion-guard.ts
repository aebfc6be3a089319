import type { DetectorContext } from '../detector.js';
import { ScanStop } from '../errors.js';
import { CONTAINER_RULES } from './rules.js';

/**
 * Expanded bytes below which the ratio is not judged: small streams of zeros legitimately compress ~1000:1.
 * The corpus bomb (256 MiB of zeros, ratio ~1000) is stopped after this much output.
 */
export const RATIO_FLOOR_BYTES = 8 * 1024 * 1024;

/**
 * Counts compressed input and expanded output of one decompressed stream and stops it at `maxExpandedBytes`
 * or `maxExpansionRatio` (a decompression bomb finding plus a LIMIT_RATIO stop).
 */
export class ExpansionGuard {
  compressed = 0;
  expanded = 0;

  constructor(
    private readonly ctx: DetectorContext,
    /** Label of the stream in messages (e.g. the member name). */
    private readonly label: string,
  ) {}

  input(n: number): void {
    this.compressed += n;
  }

  /** Count `n` expanded bytes; throws ScanStop (LIMIT_SIZE or LIMIT_RATIO) when a limit is crossed. */
  output(n: number): void {
    this.expanded += n;
    const { maxExpandedBytes, maxExpansionRatio } = this.ctx.limits;
    if (this.expanded > maxExpandedBytes) {
      throw new ScanStop(
        'LIMIT_SIZE',
        `${this.label}: expands past ${maxExpandedBytes} bytes; not read further`,
      );
    }
    if (
      this.expanded >= RATIO_FLOOR_BYTES &&
      this.expanded > maxExpansionRatio * Math.max(1, this.compressed)
    ) {
      const ratio = Math.round(this.expanded / Math.max(1, this.compressed));
      CONTAINER_RULES.report(this.ctx, 'CONTAINER-DECOMPRESSION-BOMB', {
        message: `${this.label}: ${this.expanded} bytes expanded from ${this.compressed} (ratio ${ratio}:1, limit ${maxExpansionRatio}:1)`,
      });
      throw new ScanStop(
        'LIMIT_RATIO',
        `${this.label}: expansion ratio above ${maxExpansionRatio}:1; stopped as a decompression bomb`,
      );
    }
  }
}
