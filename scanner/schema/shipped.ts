import type { SchemaProfile } from './profiles.js';

/** A JSON Schema that ships with the package and is checked at run time. */
export interface ShippedSchema {
  /** Path relative to the package root. */
  file: string;
  profile: SchemaProfile;
}

/**
 * Every shipped schema the product validates against at run time. `npm run build` precompiles each one
 * (scanner/schema/precompile.ts), so a run loads a small generated function instead of compiling the schema with
 * ajv, which cost 0.1-0.3 s of CPU per schema and per thread. A schema missing here still works: it is compiled at
 * run time.
 */
export const SHIPPED_SCHEMAS: readonly ShippedSchema[] = [
  { file: 'policies/schema.json', profile: 'config' },
  { file: 'policies/cases.schema.json', profile: 'config' },
  { file: 'registry/config.schema.json', profile: 'config' },
  { file: 'rules/containers.schema.json', profile: 'rules' },
  { file: 'rules/data.schema.json', profile: 'rules' },
  { file: 'rules/gguf.schema.json', profile: 'rules' },
  { file: 'rules/keras.schema.json', profile: 'rules' },
  { file: 'rules/numpy.schema.json', profile: 'rules' },
  { file: 'rules/onnx.schema.json', profile: 'rules' },
  { file: 'rules/pickle-globals.schema.json', profile: 'rules' },
  { file: 'rules/safetensors.schema.json', profile: 'rules' },
  { file: 'rules/tensorflow.schema.json', profile: 'rules' },
  { file: 'evidence/schemas/model-scan-statement.schema.json', profile: 'evidence' },
  { file: 'evidence/schemas/dsse-envelope.schema.json', profile: 'evidence' },
  { file: 'evidence/schemas/compliance-map.schema.json', profile: 'evidence' },
];
