import type { ConnectorFactory } from '../connector-factory.js';
import { s3StoreFromEnv } from '../s3/factory.js';
import { WANDB_DEFAULT_BASE_URL, WandbConnector } from './connector.js';
import { parseWandbReference } from './reference.js';

/** `WANDB_BASE_URL` (default https://api.wandb.ai), `WANDB_API_KEY`; `s3://` reference entries use the AWS settings. */
export const wandbFactory: ConnectorFactory = {
  registry: 'wandb',
  forms: ['wandb://entity/project[/name[:version|:alias][/path]]'],
  parse: parseWandbReference,
  create({ env, retry, egress }) {
    return new WandbConnector({
      baseUrl: env.WANDB_BASE_URL || WANDB_DEFAULT_BASE_URL,
      ...(env.WANDB_API_KEY ? { apiKey: env.WANDB_API_KEY } : {}),
      ...(retry ? { retry } : {}),
      ...(egress ? { egress } : {}),
      store: s3StoreFromEnv(env, retry, undefined, egress),
    });
  },
};
