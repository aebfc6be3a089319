import { unreadDetector } from '../detectors/unread-detector.js';

/**
 * 7z archives (the "nullifAI" wrapper): no maintained streaming 7z reader exists for Node (7z needs its end
 * header first and LZMA/LZMA2/BCJ/AES coders), so the archive is reported unread and ends inconclusive.
 */
export const sevenZipDetector = unreadDetector(
  '7z',
  ['7z'],
  'UNSUPPORTED_FORMAT',
  (size) => `7z archives are not read (${size} bytes); extract and scan the members`,
  '7z: not read',
);
