import { readFileSync, statSync } from 'node:fs';
import { CavraError } from '../scanner/errors.js';
import { bundledPolicyDir, resolvePolicyRef } from '../scanner/policy/load.js';
import {
  fieldName,
  formatProblem,
  parseYamlText,
  validateAgainst,
  type ParsedYaml,
} from '../scanner/policy/parse.js';
import configSchema from './config.schema.json' with { type: 'json' };
import type { RegistryConfig, RegistryJobConfig, ScopeConfig } from './config-types.js';
import { isGlob } from './globs.js';

/** Largest configuration file read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const SECRET_KEYS = ['token', 'username', 'password', 'apiKey'] as const;
/** Registries that can list every model the credentials see (an empty scope means "everything"). */
const LISTS_ALL = new Set(['mlflow', 'sagemaker']);

/** Rewrap the policy loader's YAML/schema errors (same `file:line:col: field: message`) as CONFIG_INVALID. */
function asConfigError(err: unknown): unknown {
  if (err instanceof CavraError && err.code === 'POLICY_INVALID')
    return new CavraError('CONFIG_INVALID', err.message.replace(/in a policy$/, 'in the configuration'));
  return err;
}

function problem(parsed: ParsedYaml, path: (string | number)[], key: string | undefined, message: string) {
  const field = fieldName(key === undefined ? path : [...path, key]);
  return new CavraError(
    'CONFIG_INVALID',
    formatProblem({ file: parsed.file, ...parsed.locate(path, key), field, message }),
  );
}

/**
 * Read and validate a `cavra-scan.yaml` (registries, scopes, policy, limits) against `registry/config.schema.json`.
 * Throws CavraError CONFIG_INVALID naming `file:line:col` and the field. Secrets must be `{ env: NAME }` or
 * `{ file: PATH }`; an inline string is refused (it would sit in a ConfigMap and in every log of the config).
 */
export function loadRegistryConfig(file: string): RegistryJobConfig {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_CONFIG_BYTES)
      throw new CavraError(
        'CONFIG_INVALID',
        `${file}:1:1: (document): file is ${size} bytes; the configuration is limited to ${MAX_CONFIG_BYTES}`,
      );
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof CavraError) throw err;
    throw new CavraError(
      'CONFIG_INVALID',
      `${file}: cannot read the configuration: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parseRegistryConfig(text, file);
}

/** Validate configuration text (see {@link loadRegistryConfig}). */
export function parseRegistryConfig(text: string, file: string): RegistryJobConfig {
  let parsed: ParsedYaml;
  try {
    parsed = parseYamlText(text, file);
    refuseInlineSecrets(parsed);
    validateAgainst(parsed, configSchema);
  } catch (err) {
    throw asConfigError(err);
  }
  const raw = parsed.data as Omit<RegistryJobConfig, 'file' | 'registries' | 'limits'> & {
    registries: (Omit<RegistryConfig, 'name' | 'scopes'> & { name?: string; scopes?: ScopeConfig[] })[];
    limits?: RegistryJobConfig['limits'];
  };
  const names = new Set<string>();
  const kindCount = new Map<string, number>();
  const registries = raw.registries.map((r, i): RegistryConfig => {
    const n = (kindCount.get(r.kind) ?? 0) + 1;
    kindCount.set(r.kind, n);
    const name = r.name ?? (n === 1 ? r.kind : `${r.kind}#${n}`);
    if (names.has(name))
      throw problem(parsed, ['registries', i], 'name', `registry name '${name}' is used twice`);
    names.add(name);
    if (!r.scopes && !LISTS_ALL.has(r.kind))
      throw problem(parsed, ['registries', i], undefined, `a ${r.kind} registry needs 'scopes'`);
    const scopes = r.scopes ?? [{}];
    scopes.forEach((s, j) => checkScope(parsed, r.kind, s, ['registries', i, 'scopes', j]));
    return { ...r, name, scopes };
  });
  const out: RegistryJobConfig = { file, registries, limits: raw.limits ?? {} };
  if (raw.policy) out.policy = resolvePolicyRef(raw.policy, bundledPolicyDir(), file);
  if (raw.concurrency !== undefined) out.concurrency = raw.concurrency;
  if (raw.retry) out.retry = raw.retry;
  return out;
}

function refuseInlineSecrets(parsed: ParsedYaml): void {
  const regs = (parsed.data as { registries?: unknown } | null)?.registries;
  if (!Array.isArray(regs)) return;
  regs.forEach((r: unknown, i) => {
    if (!r || typeof r !== 'object') return;
    for (const key of SECRET_KEYS) {
      const v = (r as Record<string, unknown>)[key];
      if (typeof v === 'string' || typeof v === 'number')
        throw problem(
          parsed,
          ['registries', i, key],
          undefined,
          `secrets are never written inline: use { env: VARIABLE } or { file: /path/to/secret }`,
        );
    }
  });
}

function checkScope(parsed: ParsedYaml, kind: string, s: ScopeConfig, path: (string | number)[]): void {
  const globs = (s.models ?? []).some(isGlob);
  if (kind === 'huggingface' && !s.owner && !s.models)
    throw problem(parsed, path, undefined, 'a Hugging Face scope needs owner or models');
  if (kind === 'huggingface' && globs && !s.owner)
    throw problem(parsed, path, 'models', 'model globs need an owner to list (the hub is not listed whole)');
  if (kind === 's3' && globs)
    throw problem(parsed, path, 'models', 'S3 scopes take s3://bucket/prefix URIs, not globs');
  if (s.owner && s.models && !globs && kind !== 'wandb')
    throw problem(parsed, path, 'owner', 'give either owner or explicit models (globs filter an owner)');
  if (s.version && s.aliases) throw problem(parsed, path, 'aliases', 'give either version or aliases');
}
