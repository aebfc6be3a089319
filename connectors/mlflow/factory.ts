import type { ConnectorFactory } from '../connector-factory.js';
import { ConnectorError } from '../errors.js';
import { s3StoreFromEnv } from '../s3/factory.js';
import { MlflowConnector } from './connector.js';
import { parseMlflowReference } from './reference.js';

/**
 * `MLFLOW_TRACKING_URI` (http/https; `databricks` uses `DATABRICKS_HOST`/`DATABRICKS_TOKEN`), `MLFLOW_TRACKING_TOKEN`,
 * `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`. `s3://` sources are read with the AWS settings.
 */
export const mlflowFactory: ConnectorFactory = {
  registry: 'mlflow',
  forms: ['models:/<name>[/<version>|@<alias>][/<path>]'],
  parse: parseMlflowReference,
  create({ env, retry, egress }) {
    const databricks = env.MLFLOW_TRACKING_URI === 'databricks';
    const trackingUri = databricks ? env.DATABRICKS_HOST : env.MLFLOW_TRACKING_URI;
    if (!trackingUri)
      throw new ConnectorError('BAD_REFERENCE', 'models:/ references need MLFLOW_TRACKING_URI');
    const token = databricks ? env.DATABRICKS_TOKEN : env.MLFLOW_TRACKING_TOKEN;
    return new MlflowConnector({
      trackingUri,
      ...(token ? { token } : {}),
      ...(env.MLFLOW_TRACKING_USERNAME
        ? { username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD ?? '' }
        : {}),
      ...(retry ? { retry } : {}),
      ...(egress ? { egress } : {}),
      store: s3StoreFromEnv(env, retry, undefined, egress),
    });
  },
};
