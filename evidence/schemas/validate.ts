import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { packageRoot } from '../../scanner/rules/package-root.js';
import { schemaValidator } from '../../scanner/schema/validator.js';

/** Result of checking a document against one of the evidence schemas. */
export type SchemaCheck = { ok: true } | { ok: false; error: string };

const compiled = new Map<string, ValidateFunction>();

/** Path of a schema shipped in `evidence/schemas/`. */
export function evidenceSchemaPath(name: string): string {
  return join(packageRoot(), 'evidence', 'schemas', name);
}

function validator(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = schemaValidator(JSON.parse(readFileSync(evidenceSchemaPath(name), 'utf8')) as object, 'evidence');
    compiled.set(name, v);
  }
  return v;
}

function check(name: string, doc: unknown): SchemaCheck {
  const v = validator(name);
  if (v(doc)) return { ok: true };
  const e = v.errors?.[0];
  return { ok: false, error: `${e?.instancePath || '/'} ${e?.message ?? 'invalid'}` };
}

export const checkStatement = (doc: unknown): SchemaCheck => check('model-scan-statement.schema.json', doc);
export const checkEnvelope = (doc: unknown): SchemaCheck => check('dsse-envelope.schema.json', doc);
