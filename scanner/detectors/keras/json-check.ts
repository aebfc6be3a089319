import type { JsonCheck } from '../data/json-check.js';
import { checkKerasConfig, isKerasConfig } from './config-check.js';

/**
 * Keras v3 `.keras` `config.json` (and a Keras 2 model JSON): the zip reader opens the member, the JSON
 * detector parses it and runs this check, which applies the same rules as the `.h5` `model_config` check.
 */
export const kerasConfigCheck: JsonCheck = {
  id: 'keras-config',
  check(doc, ctx) {
    if (!isKerasConfig(doc)) return false;
    checkKerasConfig(doc, ctx, 'config');
    return true;
  },
};
