import type { Detector } from '../../detector.js';

/** Bytes no sniffer recognised. They may be a format we do not read, so they are never called clean. */
export const unknownDetector: Detector = {
  id: 'unknown',
  version: 1,
  formats: ['unknown'],
  create(ctx) {
    let size = 0;
    return {
      write(chunk) {
        size += chunk.length;
      },
      end() {
        ctx.issue('UNKNOWN_BINARY', `unrecognised binary content (${size} bytes): format not identified`);
      },
    };
  },
};
