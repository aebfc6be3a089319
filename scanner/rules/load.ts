import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CavraError } from '../errors.js';
import { schemaValidator } from '../schema/validator.js';
import { packageRoot } from './package-root.js';

/*
 * yaml is required on first use, not imported: `npm run build` compiles every rules file to validated JSON
 * (scanner/schema/precompile.ts), so a run, and each registry scan thread, reads that instead of parsing YAML and
 * compiling a schema (0.1-0.25 s of CPU per file measured before, on every start). The YAML stays the source of
 * truth: the compiled copy is used only while its recorded SHA-256 of the YAML and of the schema still match.
 */
const require = createRequire(import.meta.url);
const parseYaml = (text: string): unknown => (require('yaml') as typeof import('yaml')).parse(text);

/** Where `npm run build` writes compiled rules files, relative to the package root. */
export const COMPILED_RULES_DIR = join('dist', 'compiled', 'rules');

/** A rules file as compiled by the build: its validated data and the hashes of the texts it came from. */
interface CompiledRules {
  yamlSha256: string;
  schemaSha256: string;
  data: unknown;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function readTexts(
  root: string,
  name: string,
  schema: string,
): { file: string; yaml: string; schema: string } {
  const file = join(root, 'rules', `${name}.yaml`);
  try {
    return {
      file,
      yaml: readFileSync(file, 'utf8'),
      schema: readFileSync(join(root, 'rules', `${schema}.schema.json`), 'utf8'),
    };
  } catch (err) {
    throw new CavraError('RULES_INVALID', `cannot read rules ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Parse and schema-check a rules file's text; RULES_INVALID when it does not match. */
function validated(file: string, yamlText: string, schemaText: string): unknown {
  let data: unknown;
  let schemaJson: object;
  try {
    data = parseYaml(yamlText);
    schemaJson = JSON.parse(schemaText) as object;
  } catch (err) {
    throw new CavraError('RULES_INVALID', `cannot read rules ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const validate = schemaValidator(schemaJson, 'rules');
  if (!validate(data)) {
    const e = validate.errors?.[0];
    throw new CavraError(
      'RULES_INVALID',
      `rules ${file}: ${e?.instancePath || '/'} ${e?.message ?? 'invalid'}`,
    );
  }
  return data;
}

function compiledCopy(root: string, name: string, yamlText: string, schemaText: string): unknown {
  let compiled: CompiledRules;
  try {
    compiled = JSON.parse(
      readFileSync(join(root, COMPILED_RULES_DIR, `${name}.json`), 'utf8'),
    ) as CompiledRules;
  } catch {
    return undefined; // not built yet
  }
  if (compiled.yamlSha256 !== sha256(yamlText) || compiled.schemaSha256 !== sha256(schemaText))
    return undefined;
  return compiled.data;
}

/**
 * Load `rules/<name>.yaml` validated against `rules/<schema>.schema.json`. Rules are reviewed data: a file that does
 * not match its schema stops the program with RULES_INVALID. `root`: the package root (tests use a copy).
 */
export function loadRuleFile<T>(name: string, schema: string, root = packageRoot()): T {
  const texts = readTexts(root, name, schema);
  const fast = compiledCopy(root, name, texts.yaml, texts.schema);
  if (fast !== undefined) return fast as T;
  return validated(texts.file, texts.yaml, texts.schema) as T;
}

/**
 * The data of `rules/<name>.yaml` without schema checks (the rule catalog reads ids from every file): the compiled
 * copy when current, else the parsed YAML.
 */
export function readRuleDocument(name: string, root = packageRoot()): unknown {
  const file = join(root, 'rules', `${name}.yaml`);
  const yaml = readFileSync(file, 'utf8');
  let schema = '';
  try {
    schema = readFileSync(join(root, 'rules', `${name}.schema.json`), 'utf8');
  } catch {
    return parseYaml(yaml);
  }
  return compiledCopy(root, name, yaml, schema) ?? parseYaml(yaml);
}

/** Build step: validate `rules/<name>.yaml` and write its compiled copy (see {@link COMPILED_RULES_DIR}). */
export function compileRuleFile(name: string, schema: string, root = packageRoot()): void {
  const texts = readTexts(root, name, schema);
  const compiled: CompiledRules = {
    yamlSha256: sha256(texts.yaml),
    schemaSha256: sha256(texts.schema),
    data: validated(texts.file, texts.yaml, texts.schema),
  };
  mkdirSync(join(root, COMPILED_RULES_DIR), { recursive: true });
  writeFileSync(join(root, COMPILED_RULES_DIR, `${name}.json`), JSON.stringify(compiled));
}
