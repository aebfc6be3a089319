import { hfConfigCheck } from './hf-config.js';
import type { JsonCheck } from './json-check.js';
import { kerasConfigCheck } from '../keras/json-check.js';

/** Every check run on parsed JSON documents, explicitly, in order. */
export const JSON_CHECKS: readonly JsonCheck[] = [hfConfigCheck, kerasConfigCheck];
