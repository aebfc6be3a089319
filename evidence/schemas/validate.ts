import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { packageRoot } from '../../scanner/rules/package-root.js';

/** Result of checking a document against one of the evidence schemas. */
export type SchemaCheck = { ok: true } | { ok: false; error: string };

const ajv = new Ajv2020({ allErrors: false, strict: false });
const compiled = new Map<string, ValidateFunction>();

/** Path of a schema shipped in `evidence/schemas/`. */
export function evidenceSchemaPath(name: string): string {
  return join(packageRoot(), 'evidence', 'schemas', name);
}

function validator(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(evidenceSchemaPath(name), 'utf8')) as object);
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
