import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { Evaluator } from './gotemplate/eval.js';
import { parseTemplate } from './gotemplate/parse.js';
import type { Node } from './gotemplate/ast.js';
import { isRecord, parseManifests, type KObject } from './objects.js';

/**
 * `helm template` for our own chart, for tests: no Helm binary can be installed from this project's package
 * registries (Debian has none; npm wrappers download the binary at install time), so the chart's templates
 * are rendered by our Go text/template subset (gotemplate/). Values files are merged as Helm does (maps deep,
 * lists replaced, null deletes) and checked against values.schema.json first.
 */
export interface RenderOptions {
  releaseName: string;
  namespace: string;
  valueFiles?: string[];
  values?: Record<string, unknown>;
}

export interface Rendered {
  files: Map<string, string>;
  objects: KObject[];
  notes: string;
}

export function loadValues(file: string): Record<string, unknown> {
  const v: unknown = parse(readFileSync(file, 'utf8'), { version: '1.1' });
  if (v !== null && !isRecord(v)) throw new Error(`${file}: values must be a map`);
  return v ?? {};
}

export function mergeValues(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = isRecord(v) && isRecord(base[k]) ? mergeValues(base[k], v) : v;
  }
  return out;
}

export function valuesSchemaErrors(chartDir: string, values: unknown): string[] {
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
}

export function renderChart(chartDir: string, opts: RenderOptions): Rendered {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, string>;
  let values = loadValues(join(chartDir, 'values.yaml'));
  for (const f of opts.valueFiles ?? []) values = mergeValues(values, loadValues(f));
  if (opts.values) values = mergeValues(values, opts.values);
  const schemaErrs = valuesSchemaErrors(chartDir, values);
  if (schemaErrs.length > 0)
    throw new Error(`values do not match values.schema.json: ${schemaErrs.join('; ')}`);

  const dir = join(chartDir, 'templates');
  const parsed = new Map<string, Node[]>();
  const defines = new Map<string, Node[]>();
  for (const name of readdirSync(dir).sort()) {
    const p = parseTemplate(readFileSync(join(dir, name), 'utf8'), `templates/${name}`);
    for (const [k, v] of p.defines) defines.set(k, v);
    parsed.set(name, p.root);
  }
  const ev = new Evaluator(defines);
  const top = {
    Values: values,
    Release: {
      Name: opts.releaseName,
      Namespace: opts.namespace,
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
    Chart: {
      Name: chart['name'],
      Version: chart['version'],
      AppVersion: chart['appVersion'],
      Description: chart['description'],
    },
  };
  const files = new Map<string, string>();
  const objects: KObject[] = [];
  let notes = '';
  for (const [name, root] of parsed) {
    if (name.startsWith('_')) continue;
    const text = ev.render(root, {
      ...top,
      Template: { Name: `cavra-scan/templates/${name}`, BasePath: 'cavra-scan/templates' },
    });
    if (name === 'NOTES.txt') {
      notes = text;
      continue;
    }
    files.set(name, text);
    objects.push(...parseManifests(text, `templates/${name}`));
  }
  return { files, objects, notes };
}
