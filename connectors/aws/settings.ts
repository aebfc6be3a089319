import type { EgressPolicy } from '../../evidence/emit/egress-policy.js';
import type { Env } from '../connector-factory.js';
import type { RetryPolicy } from '../http/retry-policy.js';

/** Client settings shared by the S3 and SageMaker connectors. */
export interface AwsSettings {
  region: string;
  /** Custom endpoint (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL_SAGEMAKER`, else `AWS_ENDPOINT_URL`). */
  endpoint?: string;
  /** Static credentials from the env map; absent means the SDK's default chain (env, SSO, ini, IRSA web identity, ECS/EKS, IMDS). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  retry?: Partial<RetryPolicy>;
  /** Egress allowlist applied to the SDK clients' requests (checked before the request is sent). */
  egress?: EgressPolicy;
}

export function awsSettings(
  env: Env,
  service: 'S3' | 'SAGEMAKER',
  retry?: Partial<RetryPolicy>,
  region?: string,
): AwsSettings {
  const s: AwsSettings = { region: region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1' };
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL;
  if (endpoint) s.endpoint = endpoint;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    s.credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
    if (env.AWS_SESSION_TOKEN) s.credentials.sessionToken = env.AWS_SESSION_TOKEN;
  }
  if (retry) s.retry = retry;
  return s;
}

/** SDK client config common to both services: timeouts, attempts, endpoint, credentials. */
export function sdkConfig(s: AwsSettings): Record<string, unknown> {
  // The SDK would otherwise print a NodeVersionSupportWarning on Node 20 (process.emitWarning); libraries never print.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return {
    region: s.region,
    maxAttempts: s.retry?.attempts ?? 5,
    requestHandler: { connectionTimeout: 30_000, requestTimeout: 300_000 },
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.credentials ? { credentials: s.credentials } : {}),
  };
}

export const awsEndpointLabel = (s: AwsSettings): string => s.endpoint ?? `aws:${s.region}`;
