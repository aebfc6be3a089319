import { awsSettings } from '../aws/settings.js';
import type { ConnectorFactory } from '../connector-factory.js';
import { s3StoreFromEnv } from '../s3/factory.js';
import { SageMakerConnector } from './connector.js';
import { parseSageMakerReference } from './reference.js';

/** AWS default credential chain; region from the ARN, else `AWS_REGION`; `AWS_ENDPOINT_URL_SAGEMAKER`/`AWS_ENDPOINT_URL`. */
export const sagemakerFactory: ConnectorFactory = {
  registry: 'sagemaker',
  forms: [
    'arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>',
    'arn:aws:sagemaker:<region>:<account>:model-package-group/<group>',
    'sagemaker://[<group>[/<version>]]',
  ],
  parse: parseSageMakerReference,
  create({ env, retry, egress }, parsed) {
    return new SageMakerConnector(
      { ...awsSettings(env, 'SAGEMAKER', retry, parsed?.region), ...(egress ? { egress } : {}) },
      s3StoreFromEnv(env, retry, parsed?.region, egress),
    );
  },
};
