import { ConnectorError } from '../errors.js';
import type { ParsedReference } from '../connector-factory.js';

const NAME = /^[A-Za-z0-9][\w.-]*$/;

/**
 * `hf://org` (every model of an author/organisation), `hf://org/repo`, `hf://org/repo@<rev>`,
 * `hf://org/repo@<rev>/path/in/repo` (one file or folder). Without a revision, `main` is pinned to its commit.
 */
export function parseHfReference(ref: string): ParsedReference | undefined {
  if (!ref.startsWith('hf://')) return undefined;
  const rest = ref.slice('hf://'.length);
  const parts = rest.split('/');
  const org = parts[0] ?? '';
  if (!NAME.test(org))
    throw new ConnectorError('BAD_REFERENCE', `'${ref}': expected hf://org[/repo[@revision][/path]]`);
  if (parts.length === 1) return { registry: 'huggingface', scope: { owner: org } };
  const [repo, rev] = (parts[1] ?? '').split('@', 2) as [string, string | undefined];
  if (!NAME.test(repo) || rev === '' || (rev !== undefined && !/^[\w.-]+$/.test(rev))) {
    throw new ConnectorError('BAD_REFERENCE', `'${ref}': expected hf://org/repo[@revision][/path]`);
  }
  const path = parts.slice(2).join('/');
  const scope: ParsedReference['scope'] = { models: [`${org}/${repo}`] };
  if (rev) scope.version = rev;
  if (path) scope.path = path;
  return { registry: 'huggingface', scope };
}
