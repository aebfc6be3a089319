import type { Detector } from '../../detector.js';

/**
 * Inert data: text, JSON, images. Reached only after every executable format's sniffer said no, so the bytes
 * are not a pickle, archive or model. An empty top-level file is reported, since nothing was there to check.
 */
export const dataDetector: Detector = {
  id: 'data',
  version: 1,
  formats: ['empty', 'text', 'json', 'image'],
  create(ctx, format) {
    let size = 0;
    return {
      write(chunk) {
        size += chunk.length;
      },
      end() {
        if (format === 'empty' && ctx.depth === 0) ctx.issue('EMPTY_FILE', 'file is empty: nothing to scan');
        ctx.scanned(format, `data, ${size} bytes`);
      },
    };
  },
};
