import type { ParsedReference } from '../connector-factory.js';
import { ConnectorError } from '../errors.js';

const ARN = /^arn:aws[\w-]*:sagemaker:([a-z0-9-]+):(\d{12}):(model-package|model-package-group)\/(.+)$/;
const GROUP = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/**
 * A versioned model package ARN (`arn:aws:sagemaker:<region>:<account>:model-package/<group>/<n>`), a package
 * group ARN (`...:model-package-group/<group>`: every version), or `sagemaker://[<group>[/<n>]]` in the
 * configured region (`sagemaker://` alone: every group).
 */
export function parseSageMakerReference(ref: string): ParsedReference | undefined {
  const bad = (): never => {
    throw new ConnectorError(
      'BAD_REFERENCE',
      `'${ref}': expected a model package (group) ARN or sagemaker://[group[/version]]`,
    );
  };
  const arn = ARN.exec(ref);
  if (arn) {
    const [, region, , kind, rest] = arn as unknown as [string, string, string, string, string];
    const parts = rest.split('/');
    if (kind === 'model-package-group') {
      if (parts.length !== 1 || !GROUP.test(parts[0]!)) bad();
      return { registry: 'sagemaker', scope: { models: [parts[0]!] }, region };
    }
    if (parts.length !== 2 || !GROUP.test(parts[0]!) || !/^\d+$/.test(parts[1]!)) bad();
    return { registry: 'sagemaker', scope: { models: [parts[0]!], version: parts[1]! }, region };
  }
  if (ref.startsWith('arn:') && ref.includes(':sagemaker:')) bad();
  if (!ref.startsWith('sagemaker://')) return undefined;
  const parts = ref
    .slice('sagemaker://'.length)
    .split('/')
    .filter((p) => p !== '');
  if (parts.length === 0) return { registry: 'sagemaker', scope: {} };
  if (parts.length > 2 || !GROUP.test(parts[0]!) || (parts[1] !== undefined && !/^\d+$/.test(parts[1])))
    bad();
  return {
    registry: 'sagemaker',
    scope: { models: [parts[0]!], ...(parts[1] ? { version: parts[1] } : {}) },
  };
}
