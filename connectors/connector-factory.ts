import type { EgressPolicy } from '../evidence/emit/egress-policy.js';
import type { Connector } from './connector.js';
import type { RetryPolicy } from './http/retry-policy.js';
import type { RegistryKind } from './registry-kind.js';
import type { Scope } from './scope.js';

/** Environment variables a connector reads (process.env in the CLI; a literal object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

export interface ConnectorSettings {
  env: Env;
  retry?: Partial<RetryPolicy>;
  /** The run's egress allowlist: every HTTP and AWS SDK request of the connector is checked before it connects. */
  egress?: EgressPolicy;
}

/** A reference parsed by the registry that owns its form. */
export interface ParsedReference {
  registry: RegistryKind;
  scope: Scope;
  /** AWS region named by an ARN. */
  region?: string;
}

/** Builds one registry's connector and recognises its reference form. */
export interface ConnectorFactory {
  readonly registry: RegistryKind;
  /** Reference forms, for help text and errors. */
  readonly forms: readonly string[];
  /** The parsed reference when `ref` has this registry's form; throws BAD_REFERENCE when it has the form but is malformed. */
  parse(ref: string): ParsedReference | undefined;
  create(settings: ConnectorSettings, parsed?: ParsedReference): Connector;
}
