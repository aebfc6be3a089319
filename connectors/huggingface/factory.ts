import type { ConnectorFactory } from '../connector-factory.js';
import { HF_DEFAULT_ENDPOINT, HuggingFaceConnector } from './connector.js';
import { parseHfReference } from './reference.js';

/** `HF_ENDPOINT` (default https://huggingface.co), `HF_TOKEN`. */
export const huggingfaceFactory: ConnectorFactory = {
  registry: 'huggingface',
  forms: ['hf://org', 'hf://org/repo[@revision][/path]'],
  parse: parseHfReference,
  create({ env, retry, egress }) {
    return new HuggingFaceConnector({
      ...(egress ? { egress } : {}),
      endpoint: env.HF_ENDPOINT || HF_DEFAULT_ENDPOINT,
      ...(env.HF_TOKEN ? { token: env.HF_TOKEN } : {}),
      ...(retry ? { retry } : {}),
    });
  },
};
