import { readFileSync, statSync } from 'node:fs';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { isAlias, isMap, isNode, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { CavraError } from '../errors.js';
import { schemaValidator } from '../schema/validator.js';

/** Largest policy file read. Policies are small reviewed documents; anything bigger is a mistake or an attack. */
export const MAX_POLICY_BYTES = 1024 * 1024;
/** Alias expansions allowed when converting YAML to data (stops "billion laughs" alias bombs). */
export const MAX_POLICY_ALIASES = 100;

/** A policy-file problem at a place: `file:line:col field: message`. */
export interface PolicyProblem {
  file: string;
  line: number;
  col: number;
  field: string;
  message: string;
}

export function formatProblem(p: PolicyProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.field || '(document)'}: ${p.message}`;
}

export function policyError(p: PolicyProblem): CavraError {
  return new CavraError('POLICY_INVALID', formatProblem(p));
}

/** A parsed YAML file that can answer "which line is this field on". */
export interface ParsedYaml {
  file: string;
  data: unknown;
  /** Line/column of the node at a JSON-pointer-like path (the nearest existing ancestor if absent). */
  locate(path: readonly (string | number)[], key?: string): { line: number; col: number };
}

/** Read and parse a YAML file safely: size-capped, no tags, bounded aliases; every problem names file:line. */
export function readYamlFile(file: string): ParsedYaml {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_POLICY_BYTES) {
      throw policyError({
        file,
        line: 1,
        col: 1,
        field: '',
        message: `file is ${size} bytes; policy files are limited to ${MAX_POLICY_BYTES}`,
      });
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof CavraError) throw err;
    throw policyError({
      file,
      line: 0,
      col: 0,
      field: '',
      message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    });
  }
  return parseYamlText(text, file);
}

export function parseYamlText(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, schema: 'core' });
  const pos = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);
  const first = doc.errors[0] ?? doc.warnings[0];
  if (first) {
    const p = pos(first.pos[0]);
    throw policyError({ file, ...p, field: '', message: `YAML: ${first.message.split('\n')[0]}` });
  }
  // Policies are plain data: no explicit tags at all (!!binary, !!set, custom tags ...).
  visit(doc, (_key, node) => {
    if (isNode(node) && node.tag && !isAlias(node)) {
      throw policyError({
        file,
        ...pos(node.range?.[0] ?? 0),
        field: '',
        message: `YAML tag ${node.tag} is not allowed in a policy`,
      });
    }
  });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_POLICY_ALIASES });
  } catch (err) {
    throw policyError({ file, line: 1, col: 1, field: '', message: `YAML: ${(err as Error).message}` });
  }
  return { file, data, locate: (path, key) => locateIn(doc, path, key, pos) };
}

function locateIn(
  doc: Document,
  path: readonly (string | number)[],
  key: string | undefined,
  pos: (offset: number) => { line: number; col: number },
): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
    if (!isNode(node)) continue;
    if (n === path.length && key !== undefined && isMap(node)) {
      const pair = node.items.find((it) => isNode(it.key) && (it.key as { value?: unknown }).value === key);
      const k = pair?.key;
      if (isNode(k) && k.range) return pos(k.range[0]);
    }
    if (node.range) return pos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** Validate `parsed.data` against `schema`; throw POLICY_INVALID naming file, line and field of the first error. */
export function validateAgainst(parsed: ParsedYaml, schema: object): void {
  const validate = schemaValidator(schema, 'config');
  if (validate(parsed.data)) return;
  const problems = (validate.errors ?? []).map((e) => toProblem(parsed, e));
  // The most useful error is usually the deepest one (oneOf/anyOf wrappers report at their parent).
  problems.sort((a, b) => b.depth - a.depth);
  const best = problems[0];
  throw policyError(
    best ? best.problem : { file: parsed.file, line: 1, col: 1, field: '', message: 'invalid' },
  );
}

function toProblem(parsed: ParsedYaml, e: ErrorObject): { depth: number; problem: PolicyProblem } {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let key: string | undefined;
  let message = e.message ?? 'invalid';
  if (e.keyword === 'additionalProperties') {
    key = String((e.params as { additionalProperty: string }).additionalProperty);
    message = `unknown key '${key}'`;
  } else if (e.keyword === 'enum') {
    message = `must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  } else if (e.keyword === 'propertyNames') {
    message = `key '${(e.params as { propertyName: string }).propertyName}' is invalid`;
    key = (e.params as { propertyName: string }).propertyName;
  }
  const field = fieldName(key === undefined ? path : [...path, key]);
  const depth =
    path.length + (key !== undefined ? 1 : 0) - (e.keyword === 'oneOf' || e.keyword === 'anyOf' ? 0.5 : 0);
  return { depth, problem: { file: parsed.file, ...parsed.locate(path, key), field, message } };
}

/** `['scopes', 0, 'match', 'stage']` -> `scopes[0].match.stage`. */
export function fieldName(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}
