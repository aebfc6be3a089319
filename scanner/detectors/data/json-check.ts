import type { DetectorContext } from '../../detector.js';

/**
 * A check run on every parsed JSON document (HF config.json `auto_map`, Keras v3 config.json, ...). Checks are
 * listed explicitly in `json-checks.ts`. `doc` is the parsed value; checks must treat it as untrusted.
 */
export interface JsonCheck {
  readonly id: string;
  /** Returns true when it recognised the document (so the detector can name it in coverage). */
  check(doc: unknown, ctx: DetectorContext): boolean;
}
