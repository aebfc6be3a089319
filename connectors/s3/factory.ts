import type { EgressPolicy } from '../../evidence/emit/egress-policy.js';
import type { ConnectorFactory, Env } from '../connector-factory.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import { awsSettings } from '../aws/settings.js';
import { S3Connector } from './connector.js';
import { parseS3Reference } from './reference.js';

/** AWS default credential chain; `AWS_REGION`, `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` (path-style when set). */
export const s3Factory: ConnectorFactory = {
  registry: 's3',
  forms: ['s3://bucket/key', 's3://bucket/prefix/'],
  parse: parseS3Reference,
  create({ env, retry, egress }) {
    return s3StoreFromEnv(env, retry, undefined, egress);
  },
};

/** The S3 store other registries delegate `s3://` locations to. No request is made until it is used. */
export function s3StoreFromEnv(
  env: Env,
  retry?: Partial<RetryPolicy>,
  region?: string,
  egress?: EgressPolicy,
): S3Connector {
  return new S3Connector({ ...awsSettings(env, 'S3', retry, region), ...(egress ? { egress } : {}) });
}
