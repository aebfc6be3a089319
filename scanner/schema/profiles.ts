import type { Options } from 'ajv';

/**
 * How a schema is checked: the ajv options of each kind of document, shared by the build step that precompiles the
 * shipped schemas and by the run-time compiler, so that a precompiled validator and a freshly compiled one are the
 * same function.
 */
export type SchemaProfile = 'config' | 'rules' | 'evidence';

export const SCHEMA_PROFILES: Readonly<Record<SchemaProfile, Options>> = {
  /** Policies, policy cases and the registry configuration: every error (the deepest is reported), strict schemas. */
  config: {
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
    logger: false,
  },
  /** Rules files: every error, lenient about schema keywords. */
  rules: { allErrors: true, strict: false, logger: false },
  /** Evidence documents and the compliance map: the first error is enough. */
  evidence: { allErrors: false, strict: false, logger: false },
};
