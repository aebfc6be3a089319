import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CavraError } from '../errors.js';
import { precompileAll } from '../schema/precompile.js';
import { SHIPPED_SCHEMAS } from '../schema/shipped.js';
import { PRECOMPILED_SCHEMAS_DIR } from '../schema/validator.js';
import { compileRuleFile, COMPILED_RULES_DIR, loadRuleFile, readRuleDocument } from './load.js';
import { packageRoot } from './package-root.js';

const NAMES = readdirSync(join(packageRoot(), 'rules'))
  .filter((n) => n.endsWith('.yaml'))
  .map((n) => n.slice(0, -5));

/** A copy of the package's rules and shipped schemas in a folder of its own, precompiled like `npm run build`. */
function builtCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'cavra-rules-'));
  cpSync(join(packageRoot(), 'rules'), join(root, 'rules'), { recursive: true });
  for (const s of SHIPPED_SCHEMAS) cpSync(join(packageRoot(), s.file), join(root, s.file));
  precompileAll(root);
  return root;
}

function rulesError(fn: () => unknown): CavraError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CavraError);
    expect((err as CavraError).code).toBe('RULES_INVALID');
    return err as CavraError;
  }
  throw new Error('rules loaded but should not have');
}

describe('rules files', () => {
  for (const name of NAMES) {
    it(`${name}: the loaded rules are the YAML's data`, () => {
      const yaml = parse(readFileSync(join(packageRoot(), 'rules', `${name}.yaml`), 'utf8')) as unknown;
      expect(loadRuleFile(name, name)).toEqual(yaml);
      expect(readRuleDocument(name)).toEqual(yaml);
    });
  }

  it('the build writes a compiled copy of every rules file and a validator for every shipped schema', () => {
    const root = builtCopy();
    expect(readdirSync(join(root, COMPILED_RULES_DIR)).sort()).toEqual(NAMES.map((n) => `${n}.json`).sort());
    expect(readdirSync(join(root, PRECOMPILED_SCHEMAS_DIR))).toHaveLength(SHIPPED_SCHEMAS.length);
  });

  it('a current compiled copy is what a run reads (no YAML parsing)', () => {
    const root = builtCopy();
    const file = join(root, COMPILED_RULES_DIR, 'data.json');
    const compiled = JSON.parse(readFileSync(file, 'utf8')) as { data: { rules: { title: string }[] } };
    compiled.data.rules[0]!.title = 'from the compiled copy';
    writeFileSync(file, JSON.stringify(compiled));
    const doc = loadRuleFile<{ rules: { title: string }[] }>('data', 'data', root);
    expect(doc.rules[0]!.title).toBe('from the compiled copy');
  });

  it('an edited YAML is read and schema-checked again, never taken from a stale compiled copy', () => {
    const root = builtCopy();
    const yamlFile = join(root, 'rules', 'data.yaml');
    const text = readFileSync(yamlFile, 'utf8');
    writeFileSync(yamlFile, text.replace(/severity: \w+/, 'severity: catastrophic'));
    expect(rulesError(() => loadRuleFile('data', 'data', root)).message).toMatch(
      /data\.yaml: \/rules\/0\/severity/,
    );
    writeFileSync(yamlFile, `${text}\n# reviewed comment\n`);
    expect(loadRuleFile('data', 'data', root)).toEqual(parse(text));
  });

  it('an edited schema is applied to the shipped YAML', () => {
    const root = builtCopy();
    const schemaFile = join(root, 'rules', 'numpy.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { required?: string[] };
    writeFileSync(schemaFile, JSON.stringify({ ...schema, required: [...(schema.required ?? []), 'extra'] }));
    expect(rulesError(() => loadRuleFile('numpy', 'numpy', root)).message).toMatch(/extra/);
  });

  it('the build refuses an invalid rules file', () => {
    const root = builtCopy();
    writeFileSync(join(root, 'rules', 'gguf.yaml'), 'rules: 3\n');
    expect(rulesError(() => compileRuleFile('gguf', 'gguf', root)).message).toMatch(/gguf\.yaml/);
    expect(() => precompileAll(root)).toThrow(CavraError);
  });
});
