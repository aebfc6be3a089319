import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { CavraError } from '../errors.js';
import { packageRoot } from './package-root.js';

/*
 * ajv and yaml are required on first use, not imported: every registry scan thread loads the scanner, most never
 * read a rule file (a safetensors-only estate), and the two packages cost about 0.1 s of CPU to load per thread.
 */
const require = createRequire(import.meta.url);
let ajv: Ajv2020 | undefined;
const validator = (): Ajv2020 => {
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  return (ajv ??= new Ajv({ allErrors: true, strict: false }));
};
const parse = (text: string): unknown => (require('yaml') as typeof import('yaml')).parse(text);

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
  const validate = validator().compile(schemaJson as object);
  if (!validate(data)) {
    const e = validate.errors?.[0];
    throw new CavraError(
      'RULES_INVALID',
      `rules ${file}: ${e?.instancePath || '/'} ${e?.message ?? 'invalid'}`,
    );
  }
  return data as T;
}
