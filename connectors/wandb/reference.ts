import type { ParsedReference } from '../connector-factory.js';
import { ConnectorError } from '../errors.js';

const NAME = /^[\w.-]+$/;

/**
 * `wandb://<entity>/<project>` (every model collection), `wandb://<entity>/<project>/<name>` (every version),
 * `wandb://<entity>/<project>/<name>:<v3|alias>[/<path>]`.
 */
export function parseWandbReference(ref: string): ParsedReference | undefined {
  if (!ref.startsWith('wandb://')) return undefined;
  const parts = ref.slice('wandb://'.length).split('/');
  const bad = (): never => {
    throw new ConnectorError(
      'BAD_REFERENCE',
      `'${ref}': expected wandb://entity/project[/name[:version][/path]]`,
    );
  };
  const [entity, project, artifact] = parts as [string, string | undefined, string | undefined];
  if (!NAME.test(entity) || !project || !NAME.test(project)) bad();
  const scope: ParsedReference['scope'] = { owner: `${entity}/${project}` };
  if (artifact !== undefined) {
    const [name, version] = artifact.split(':', 2) as [string, string | undefined];
    if (!NAME.test(name) || version === '' || (version !== undefined && !NAME.test(version))) bad();
    scope.models = [name];
    if (version) scope.version = version;
    if (parts.length > 3) {
      if (!version) bad();
      scope.path = parts.slice(3).join('/');
    }
  }
  return { registry: 'wandb', scope };
}
