import type { FormatId } from './format.js';

/** Recognises one format from the first bytes of an object. Listed, in order, in `sniff.ts`. */
export interface Sniffer {
  readonly format: FormatId;
  /**
   * `head` is the first bytes of the object (up to SNIFF_BYTES); `complete` is true when `head` is the whole
   * object. Must be cheap, must not throw, and must never decide by name.
   */
  test(head: Uint8Array, complete: boolean): boolean;
}
