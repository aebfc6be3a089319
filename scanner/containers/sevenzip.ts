import type { Detector } from '../detector.js';

/**
 * 7z archives (the "nullifAI" wrapper): no maintained streaming 7z reader exists for Node (7z needs its end
 * header first and LZMA/LZMA2/BCJ/AES coders), so the archive is reported unread and ends inconclusive.
 */
export const sevenZipDetector: Detector = {
  id: '7z',
  version: 1,
  formats: ['7z'],
  create(ctx) {
    let size = 0;
    return {
      write(chunk) {
        size += chunk.length;
      },
      end() {
        ctx.issue(
          'UNSUPPORTED_FORMAT',
          `7z archives are not read (${size} bytes); extract and scan the members`,
        );
        ctx.scanned('7z', '7z: not read');
      },
    };
  },
};
