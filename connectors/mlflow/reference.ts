import type { ParsedReference } from '../connector-factory.js';
import { ConnectorError } from '../errors.js';

const NAME = /^[^/@\s][^/@]*$/;

/**
 * MLflow's own model URI: `models:/` (every registered model), `models:/<name>` (every version),
 * `models:/<name>/<version>`, `models:/<name>@<alias>`, each optionally followed by `/<path>` for one file or folder
 * (`models:/<name>/<version>/<path>`, `models:/<name>@<alias>/<path>`). Deprecated stage names are refused:
 * stages are not immutable (use an alias, which resolves to one version).
 */
export function parseMlflowReference(ref: string): ParsedReference | undefined {
  if (!ref.startsWith('models:/')) return undefined;
  const rest = ref.slice('models:/'.length).replace(/^\/+/, '');
  if (rest === '') return { registry: 'mlflow', scope: {} };
  const bad = (): never => {
    throw new ConnectorError(
      'BAD_REFERENCE',
      `'${ref}': expected models:/<name>[/<version>|@<alias>][/<path>]`,
    );
  };
  const parts = rest.split('/');
  const [head, alias] = parts[0]!.split('@', 2) as [string, string | undefined];
  const name = decodeURIComponent(head);
  if (!NAME.test(name) || alias === '') bad();
  const scope: ParsedReference['scope'] = { models: [name] };
  let pathParts = parts.slice(1);
  if (alias !== undefined) {
    if (!/^[\w.-]+$/.test(alias)) bad();
    scope.version = `@${alias}`;
  } else if (pathParts.length > 0) {
    const version = pathParts[0]!;
    if (!/^\d+$/.test(version)) {
      throw new ConnectorError(
        'BAD_REFERENCE',
        `'${ref}': '${version}' is not a version number (stages are mutable; use models:/${name}@<alias>)`,
      );
    }
    scope.version = version;
    pathParts = pathParts.slice(1);
  }
  if (pathParts.length > 0) scope.path = pathParts.join('/');
  return { registry: 'mlflow', scope };
}
