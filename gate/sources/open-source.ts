import type { Env } from '../../connectors/connector-factory.js';
import type { RetryPolicy } from '../../connectors/http/retry-policy.js';
import { isReference } from '../../connectors/index.js';
import { GateError } from '../errors.js';
import type { SourceOpener } from '../ports.js';
import { localSource } from './local-source.js';
import { registrySource } from './registry-source.js';

export interface OpenerOptions {
  env: Env;
  retry?: Partial<RetryPolicy>;
  /** Accept local paths (the CLI); the HTTP service gates registry references only. */
  allowLocal: boolean;
}

/** Registry references go to the connectors; anything else is a local path (when allowed). */
export function sourceOpener(options: OpenerOptions): SourceOpener {
  return (reference) => {
    if (isReference(reference)) return registrySource(reference, options);
    if (!options.allowLocal)
      throw new GateError('BAD_REFERENCE', `'${reference.slice(0, 200)}' is not a registry reference`);
    return localSource(reference);
  };
}
