import { unreadDetector } from '../unread-detector.js';

/** Bytes no sniffer recognised. They may be a format we do not read, so they are never called clean. */
export const unknownDetector = unreadDetector(
  'unknown',
  ['unknown'],
  'UNKNOWN_BINARY',
  (size) => `unrecognised binary content (${size} bytes): format not identified`,
);
