import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CavraError } from '../errors.js';
import { packageRoot } from '../rules/package-root.js';
import { ruleCatalog, type RuleInfo } from '../rules/catalog.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { mergePacks } from './merge.js';
import { fieldName, policyError, readYamlFile, validateAgainst, type ParsedYaml } from './parse.js';
import type { PolicyDocument, PolicyLayer, ResolvedPolicy } from './types.js';
import { isCalendarDate } from './waivers.js';

/** The pack used when no policy is named. */
export const DEFAULT_POLICY = 'baseline';
/** Longest `extends` chain. */
export const MAX_EXTENDS_DEPTH = 8;
const BUNDLED_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface LoadPolicyOptions {
  /** Rule ids a policy may name (default: every rule in `rules/*.yaml`). */
  catalog?: ReadonlyMap<string, Pick<RuleInfo, 'id'>>;
  /** Folder of bundled packs (default: the package's `policies/`). */
  bundledDir?: string;
}

export function bundledPolicyDir(): string {
  return join(packageRoot(), 'policies');
}

/** Names of the bundled packs (`policies/*.yaml`). */
export function bundledPolicyNames(dir = bundledPolicyDir()): string[] {
  return ['baseline', 'strict', 'permissive-research'].filter((n) => existsSync(join(dir, `${n}.yaml`)));
}

const schemaCache = new Map<string, object>();
function policySchema(dir: string): object {
  const hit = schemaCache.get(dir);
  if (hit) return hit;
  try {
    const schema = JSON.parse(readFileSync(join(dir, 'schema.json'), 'utf8')) as object;
    schemaCache.set(dir, schema);
    return schema;
  } catch (err) {
    throw new CavraError('INTERNAL', `cannot read policy schema: ${(err as Error).message}`, { cause: err });
  }
}

/** Where `ref` points: a bundled pack name, or a file path (relative to `from`'s folder, else the cwd). */
export function resolvePolicyRef(ref: string, bundledDir: string, from?: string): string {
  if (BUNDLED_NAME.test(ref) && existsSync(join(bundledDir, `${ref}.yaml`)))
    return join(bundledDir, `${ref}.yaml`);
  if (isAbsolute(ref)) return ref;
  return from ? resolve(dirname(from), ref) : resolve(ref);
}

/**
 * Load a policy (bundled name or file path), validate it against `policies/schema.json`, apply its `extends`
 * chain and check every rule id it names. Throws CavraError POLICY_INVALID (`file:line:col: field: message`).
 */
export function loadPolicy(ref: string, options: LoadPolicyOptions = {}): ResolvedPolicy {
  const bundledDir = options.bundledDir ?? bundledPolicyDir();
  const schema = policySchema(bundledDir);
  const layers: { layer: PolicyLayer; parsed: ParsedYaml }[] = [];
  const seen: string[] = [];
  let file = resolvePolicyRef(ref, bundledDir);
  for (;;) {
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      throw new CavraError(
        'POLICY_INVALID',
        `${file}: policy not found (give a bundled pack name: ${bundledPolicyNames(bundledDir).join(', ')}, or a file path)`,
      );
    }
    if (seen.includes(real)) {
      const prev = layers[layers.length - 1]!;
      throw policyError({
        file: prev.parsed.file,
        ...prev.parsed.locate(['extends']),
        field: 'extends',
        message: `extends cycle: ${[...seen, real].join(' -> ')}`,
      });
    }
    seen.push(real);
    const parsed = readYamlFile(file);
    validateAgainst(parsed, schema);
    const document = parsed.data as PolicyDocument;
    const source = dirname(real) === safeReal(bundledDir) ? `bundled:${document.id}` : file;
    layers.push({ layer: { id: document.id, source, document }, parsed });
    if (document.extends === undefined) break;
    if (layers.length >= MAX_EXTENDS_DEPTH) {
      throw policyError({
        file,
        ...parsed.locate(['extends']),
        field: 'extends',
        message: `extends chain longer than ${MAX_EXTENDS_DEPTH}`,
      });
    }
    file = resolvePolicyRef(document.extends, bundledDir, file);
  }
  let catalog = options.catalog;
  const lookup = { has: (id: string): boolean => (catalog ??= ruleCatalog()).has(id) };
  for (const { parsed, layer } of layers) checkReferences(parsed, layer.document, lookup);

  let merged: Omit<PolicyDocument, 'extends'> = stripExtends(layers[layers.length - 1]!.layer.document);
  for (let i = layers.length - 2; i >= 0; i--) merged = mergePacks(merged, layers[i]!.layer.document);
  merged.id = layers[0]!.layer.id;
  const sha256 = sha256Hex(canonicalJson(merged));
  return {
    id: merged.id,
    sha256,
    source: layers[0]!.layer.source,
    document: merged,
    layers: layers.map((l) => l.layer),
  };
}

function safeReal(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function stripExtends(doc: PolicyDocument): Omit<PolicyDocument, 'extends'> {
  const { extends: _e, ...rest } = doc;
  void _e;
  return structuredClone(rest);
}

/** A policy that names a rule the scanner does not have is an error, never a silent no-op; dates must be real. */
function checkReferences(
  parsed: ParsedYaml,
  doc: PolicyDocument,
  catalog: { has(id: string): boolean },
): void {
  const unknown = (id: string, path: (string | number)[], key?: string): never => {
    throw policyError({
      file: parsed.file,
      ...parsed.locate(path, key),
      field: fieldName(key === undefined ? path : [...path, key]),
      message: `unknown rule id '${id}' (not in rules/*.yaml)`,
    });
  };
  for (const id of Object.keys(doc.severity_overrides ?? {}))
    if (!catalog.has(id)) unknown(id, ['severity_overrides'], id);
  (doc.scopes ?? []).forEach((s, i) => {
    for (const id of Object.keys(s.severity_overrides ?? {}))
      if (!catalog.has(id)) unknown(id, ['scopes', i, 'severity_overrides'], id);
  });
  (doc.waivers ?? []).forEach((w, i) => {
    if (!catalog.has(w.rule)) unknown(w.rule, ['waivers', i, 'rule']);
    if (!isCalendarDate(w.expires)) {
      throw policyError({
        file: parsed.file,
        ...parsed.locate(['waivers', i, 'expires']),
        field: `waivers[${i}].expires`,
        message: `'${w.expires}' is not a calendar date`,
      });
    }
  });
}
