import { connectorEndpoints, egressPolicyOfEndpoints } from '../connectors/egress-endpoints.js';
import type { EgressPolicy } from '../evidence/emit/egress-policy.js';
import { readFileSync, statSync } from 'node:fs';
import type { Connector } from '../connectors/connector.js';
import type { Env } from '../connectors/connector-factory.js';
import { ConnectorError } from '../connectors/errors.js';
import type { RetryPolicy } from '../connectors/http/retry-policy.js';
import { CONNECTORS } from '../connectors/index.js';
import { CavraError } from '../scanner/errors.js';
import type { RegistryConfig, SecretRef } from './config-types.js';

/** Largest secret file read (tokens and keys are small). */
export const MAX_SECRET_BYTES = 64 * 1024;

/** The value of a secret reference; a missing variable or unreadable file is a configuration error. */
export function readSecret(ref: SecretRef, env: Env, what: string): string {
  if ('env' in ref) {
    const v = env[ref.env];
    if (!v) throw new CavraError('CONFIG_INVALID', `${what}: environment variable ${ref.env} is not set`);
    return v;
  }
  try {
    if (statSync(ref.file).size > MAX_SECRET_BYTES) throw new Error(`larger than ${MAX_SECRET_BYTES} bytes`);
    const v = readFileSync(ref.file, 'utf8').trim();
    if (!v) throw new Error('empty');
    return v;
  } catch (err) {
    throw new CavraError(
      'CONFIG_INVALID',
      `${what}: cannot read secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/**
 * The environment a registry's connector is built from: the process environment (the AWS default chain, and the
 * ecosystem variables such as HF_TOKEN) overridden by what the configuration names for this registry.
 */
export function connectorEnv(reg: RegistryConfig, base: Env): Env {
  const env: Record<string, string | undefined> = { ...base };
  const secret = (ref: SecretRef | undefined, field: string) =>
    ref ? readSecret(ref, base, `registry ${reg.name} ${field}`) : undefined;
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) env[key] = value;
  };
  switch (reg.kind) {
    case 'huggingface':
      set('HF_ENDPOINT', reg.endpoint);
      set('HF_TOKEN', secret(reg.token, 'token'));
      break;
    case 'mlflow':
      set('MLFLOW_TRACKING_URI', reg.trackingUri);
      set('MLFLOW_TRACKING_TOKEN', secret(reg.token, 'token'));
      set('MLFLOW_TRACKING_USERNAME', secret(reg.username, 'username'));
      set('MLFLOW_TRACKING_PASSWORD', secret(reg.password, 'password'));
      break;
    case 'sagemaker':
      set('AWS_REGION', reg.region);
      set('AWS_ENDPOINT_URL_SAGEMAKER', reg.endpoint);
      set('AWS_ENDPOINT_URL_S3', reg.s3Endpoint);
      break;
    case 's3':
      set('AWS_REGION', reg.region);
      set('AWS_ENDPOINT_URL_S3', reg.endpoint);
      break;
    case 'wandb':
      set('WANDB_BASE_URL', reg.baseUrl);
      set('WANDB_API_KEY', secret(reg.apiKey, 'apiKey'));
      break;
  }
  return env;
}

/** Build the connector for one configured registry (no request is made yet). Throws CONFIG_INVALID. */
export function openConnector(
  reg: RegistryConfig,
  base: Env,
  retry?: Partial<RetryPolicy>,
  egress?: EgressPolicy,
): Connector {
  const factory = CONNECTORS.find((f) => f.registry === reg.kind);
  if (!factory) throw new CavraError('CONFIG_INVALID', `registry ${reg.name}: unknown kind ${reg.kind}`);
  try {
    return factory.create({
      env: connectorEnv(reg, base),
      ...(retry ? { retry } : {}),
      ...(egress ? { egress } : {}),
    });
  } catch (err) {
    if (err instanceof ConnectorError)
      throw new CavraError('CONFIG_INVALID', `registry ${reg.name}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The job's egress allowlist: every configured registry's endpoints (and S3 stores), the control plane, proxies and
 * operator entries (CAVRA_EGRESS_ALLOW / CAVRA_EGRESS_PIN). Built before any request; a pin that does not cover the
 * configuration throws EGRESS_DENIED.
 */
export function registryEgressPolicy(
  regs: readonly RegistryConfig[],
  base: Env,
  controlPlane?: string,
): EgressPolicy {
  const endpoints = regs.flatMap((reg) => {
    const connector = openConnector(reg, base);
    void connector.close();
    return connectorEndpoints(connector, connectorEnv(reg, base));
  });
  return egressPolicyOfEndpoints(endpoints, base, controlPlane);
}
