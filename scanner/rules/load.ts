import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { CavraError } from '../errors.js';
import { packageRoot } from './package-root.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });

/**
 * Load `rules/<name>.yaml` and validate it against `rules/<schema>.schema.json`. Rules are reviewed data:
 * a file that does not match its schema stops the program with RULES_INVALID.
 */
export function loadRuleFile<T>(name: string, schema: string): T {
  const root = join(packageRoot(), 'rules');
  const file = join(root, `${name}.yaml`);
  let data: unknown;
  let schemaJson: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
    schemaJson = JSON.parse(readFileSync(join(root, `${schema}.schema.json`), 'utf8'));
  } catch (err) {
    throw new CavraError('RULES_INVALID', `cannot read rules ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const validate = ajv.compile(schemaJson as object);
  if (!validate(data)) {
    const e = validate.errors?.[0];
    throw new CavraError(
      'RULES_INVALID',
      `rules ${file}: ${e?.instancePath || '/'} ${e?.message ?? 'invalid'}`,
    );
  }
  return data as T;
}
