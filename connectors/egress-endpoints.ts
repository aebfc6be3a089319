import { buildEgressPolicy, egressEntriesFromEnv } from '../evidence/emit/egress-allowlist.js';
import type { EgressPolicy } from '../evidence/emit/egress-policy.js';
import { awsEndpointLabel, awsSettings } from './aws/settings.js';
import type { Connector } from './connector.js';
import type { Env } from './connector-factory.js';
import { CONNECTORS, parseReference } from './index.js';

/** Registries that read `s3://` locations through the S3 store besides their own API. */
const WITH_STORE = new Set(['mlflow', 'wandb', 'sagemaker', 's3']);

/**
 * The endpoints a registry reference can make requests to, as the egress allowlist names them: the registry's
 * own endpoint (a base URL, or `aws:<region>`) and, for registries that delegate `s3://` locations, the S3
 * endpoint. Builds the connector only to read its configuration; no request is made.
 */
export function egressEndpoints(ref: string, env: Env): string[] {
  const parsed = parseReference(ref);
  const factory = CONNECTORS.find((f) => f.registry === parsed.registry)!;
  const connector = factory.create({ env }, parsed);
  void connector.close();
  return connectorEndpoints(connector, env, parsed.region);
}

/** A built connector's endpoints for the allowlist: its own, plus the S3 store's for registries that use one. */
export function connectorEndpoints(connector: Connector, env: Env, region?: string): string[] {
  const out = new Set([connector.endpoint]);
  if (WITH_STORE.has(connector.registry))
    out.add(awsEndpointLabel(awsSettings(env, 'S3', undefined, region)));
  return [...out];
}

/**
 * A run's egress allowlist: the endpoints of `refs`, the control plane and the proxy the environment names, and
 * operator entries (`CAVRA_EGRESS_ALLOW`; `CAVRA_EGRESS_PIN` fixes the list and must cover everything configured,
 * else EGRESS_DENIED before any request). Throws ConnectorError on a malformed reference.
 */
export function egressPolicyFor(refs: readonly string[], env: Env, controlPlane?: string): EgressPolicy {
  return egressPolicyOfEndpoints(
    refs.flatMap((r) => egressEndpoints(r, env)),
    env,
    controlPlane,
  );
}

/** The allowlist for registry endpoints already known (a base URL or `aws:<region>` each). */
export function egressPolicyOfEndpoints(
  registries: readonly string[],
  env: Env,
  controlPlane?: string,
): EgressPolicy {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  const cp = controlPlane ?? env.CAVRA_CONTROL_PLANE_URL;
  return buildEgressPolicy({
    registries,
    ...(cp ? { controlPlane: cp } : {}),
    ...(proxy ? { proxy } : {}),
    extra: egressEntriesFromEnv(env),
    pinned: egressEntriesFromEnv(env, 'CAVRA_EGRESS_PIN'),
  });
}
