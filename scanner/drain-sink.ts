import type { ByteSink } from './sink.js';

/** Accepts and ignores bytes: what is left of an object after its detector stopped. */
export const DRAIN: ByteSink = Object.freeze({
  write(): void {},
  end(): void {},
});
