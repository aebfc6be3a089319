import type { CoverageCode } from '../coverage.js';
import type { Detector } from '../detector.js';
import type { FormatId } from '../format.js';

/**
 * A detector for content that is identified but not read: it counts the bytes and, at the end, records one
 * coverage issue, so the object is inconclusive — never clean.
 */
export function unreadDetector(
  id: string,
  formats: readonly FormatId[],
  code: CoverageCode,
  message: (size: number) => string,
  /** Coverage detail naming the format as identified (e.g. `7z: not read`). */
  detail?: string,
): Detector {
  return {
    id,
    version: 1,
    formats,
    create(ctx) {
      let size = 0;
      return {
        write(chunk) {
          size += chunk.length;
        },
        end() {
          ctx.issue(code, message(size));
          if (detail !== undefined) ctx.scanned(formats[0]!, detail);
        },
      };
    },
  };
}
