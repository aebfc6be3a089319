import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { packageRoot } from '../rules/package-root.js';
import { SCHEMA_PROFILES, type SchemaProfile } from './profiles.js';

/*
 * ajv is required on first use, not imported: with every shipped schema precompiled, a run that only checks
 * shipped documents never loads it.
 */
const require = createRequire(import.meta.url);

/** Where `npm run build` writes precompiled validators, relative to the package root. */
export const PRECOMPILED_SCHEMAS_DIR = join('dist', 'compiled', 'schemas');

/**
 * The content key of a schema checked under a profile (SHA-256 of both). Precompiled validators are stored under it,
 * so an edited schema never meets a stale validator: it is compiled at run time instead.
 */
export function schemaKey(schema: object, profile: SchemaProfile): string {
  return createHash('sha256')
    .update(`${profile}\n${JSON.stringify(schema)}`)
    .digest('hex');
}

const byObject = new WeakMap<object, Map<SchemaProfile, ValidateFunction>>();
const byKey = new Map<string, ValidateFunction>();
const compilers = new Map<SchemaProfile, Ajv2020>();

/** How a validator was obtained (tests check that shipped schemas come precompiled). */
export type ValidatorSource = 'precompiled' | 'compiled';
const sources = new WeakMap<ValidateFunction, ValidatorSource>();

export function validatorSource(v: ValidateFunction): ValidatorSource | undefined {
  return sources.get(v);
}

/**
 * The validator of `schema` under `profile`: the precompiled one when the build made one for exactly this schema,
 * else compiled now with ajv (same options, same errors). Memoised per schema object and per content.
 */
export function schemaValidator(schema: object, profile: SchemaProfile): ValidateFunction {
  const perProfile = byObject.get(schema);
  const hit = perProfile?.get(profile);
  if (hit) return hit;
  const key = schemaKey(schema, profile);
  const v = byKey.get(key) ?? precompiled(key) ?? compile(schema, profile);
  byKey.set(key, v);
  if (perProfile) perProfile.set(profile, v);
  else byObject.set(schema, new Map([[profile, v]]));
  return v;
}

function precompiled(key: string): ValidateFunction | undefined {
  let v: ValidateFunction;
  try {
    v = require(join(packageRoot(), PRECOMPILED_SCHEMAS_DIR, `${key}.cjs`)) as ValidateFunction;
  } catch {
    return undefined; // not built (a source checkout before `npm run build`), or a schema changed since: compile
  }
  if (typeof v !== 'function') return undefined;
  sources.set(v, 'precompiled');
  return v;
}

function compile(schema: object, profile: SchemaProfile): ValidateFunction {
  let ajv = compilers.get(profile);
  if (!ajv) {
    const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    ajv = new Ajv(SCHEMA_PROFILES[profile]);
    compilers.set(profile, ajv);
  }
  // Another schema with the same $id (a test's or a user's variant of a shipped one) must not clash with it.
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id === 'string' && ajv.getSchema(id)) ajv.removeSchema(id);
  const v = ajv.compile(schema);
  sources.set(v, 'compiled');
  return v;
}
