import type { Connector } from './connector.js';
import type { ConnectorFactory, ConnectorSettings, ParsedReference } from './connector-factory.js';
import { ConnectorError } from './errors.js';
import { huggingfaceFactory } from './huggingface/factory.js';
import { mlflowFactory } from './mlflow/factory.js';
import { s3Factory } from './s3/factory.js';
import { sagemakerFactory } from './sagemaker/factory.js';
import { wandbFactory } from './wandb/factory.js';
import type { Scope } from './scope.js';

/** Every registry connector, in the order references are tried. */
export const CONNECTORS: readonly ConnectorFactory[] = [
  huggingfaceFactory,
  mlflowFactory,
  s3Factory,
  sagemakerFactory,
  wandbFactory,
];

/** Whether `ref` looks like a registry reference rather than a local path. */
export function isReference(ref: string): boolean {
  return CONNECTORS.some((f) => {
    try {
      return f.parse(ref) !== undefined;
    } catch {
      return true; // the form is right, the details are wrong: still a reference (the error surfaces on resolve)
    }
  });
}

/** Parse a reference with the registry that owns its form; throws BAD_REFERENCE when no registry does. */
export function parseReference(ref: string): ParsedReference {
  for (const f of CONNECTORS) {
    const parsed = f.parse(ref);
    if (parsed) return parsed;
  }
  const forms = CONNECTORS.flatMap((f) => f.forms).join(', ');
  throw new ConnectorError(
    'BAD_REFERENCE',
    `'${ref}' is not a registry reference (expected one of: ${forms})`,
  );
}

/** The connector and scope for a reference, configured from `settings.env`. */
export function resolveReference(
  ref: string,
  settings: ConnectorSettings,
): { connector: Connector; scope: Scope } {
  const parsed = parseReference(ref);
  const factory = CONNECTORS.find((f) => f.registry === parsed.registry)!;
  return { connector: factory.create(settings, parsed), scope: parsed.scope };
}
