import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildModelScanStatement } from '../../evidence/statement/build.js';
import { fakeResult, SCANNER } from '../../evidence/statement/fixtures.test-support.js';
import { packageRoot } from '../rules/package-root.js';
import { SCHEMA_PROFILES } from './profiles.js';
import { SHIPPED_SCHEMAS } from './shipped.js';
import { PRECOMPILED_SCHEMAS_DIR, schemaKey, schemaValidator, validatorSource } from './validator.js';

const root = packageRoot();
const read = (file: string): unknown => JSON.parse(readFileSync(join(root, file), 'utf8'));
const yaml = (file: string): unknown => parse(readFileSync(join(root, file), 'utf8'));

/** Real documents each shipped schema accepts: the bundled policies, rules, compliance map and a registry config. */
function samples(file: string): unknown[] {
  if (file === 'policies/schema.json')
    return ['baseline', 'strict', 'permissive-research'].map((n) => yaml(`policies/${n}.yaml`));
  if (file === 'policies/cases.schema.json') return [yaml('policies/tests/cases.yaml')];
  if (file === 'registry/config.schema.json')
    return [
      {
        registries: [
          { kind: 'huggingface', endpoint: 'http://127.0.0.1:1', scopes: [{ owner: 'acme' }] },
          { kind: 'mlflow', trackingUri: 'http://127.0.0.1:2' },
        ],
      },
    ];
  if (file.startsWith('rules/')) return [yaml(file.replace('.schema.json', '.yaml'))];
  if (file.endsWith('compliance-map.schema.json')) return [yaml('evidence/compliance-map.yaml')];
  if (file.endsWith('dsse-envelope.schema.json'))
    return [
      {
        payloadType: 'application/vnd.in-toto+json',
        payload: 'e30=',
        signatures: [{ keyid: 'ab'.repeat(32), sig: 'c2ln' }],
      },
    ];
  return [
    buildModelScanStatement(
      [fakeResult('hf://org/repo@abc/model.bin', 'weights')],
      { decision: 'allow', riskScore: 0, policy: { id: 'baseline', sha256: 'sha256:' + 'ab'.repeat(32) } },
      { reference: 'hf://org/repo@abc', registry: 'huggingface', version: 'abc' },
      SCANNER,
      new Date('2026-01-02T03:04:05.000Z'),
    ),
  ];
}

/** Small edits that a broken document might have: a key removed, a key added, a value of another type. */
const edit = fc.record({
  kind: fc.constantFrom('drop', 'add', 'retype'),
  pick: fc.nat(),
  value: fc.oneof(
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 2 }),
  ),
});

function mutate(doc: unknown, e: { kind: string; pick: number; value: unknown }): unknown {
  const copy = structuredClone(doc);
  const holders: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (v && typeof v === 'object') {
      holders.push(v as Record<string, unknown>);
      for (const c of Object.values(v)) walk(c);
    }
  };
  walk(copy);
  const h = holders[e.pick % holders.length]!;
  const keys = Object.keys(h);
  if (e.kind === 'add' || keys.length === 0) h['unexpected_key'] = e.value;
  else if (e.kind === 'drop') delete h[keys[e.pick % keys.length]!];
  else h[keys[e.pick % keys.length]!] = e.value;
  return copy;
}

const errorsOf = (v: { errors?: unknown[] | null }) =>
  (v.errors ?? []).map((e) => {
    const { instancePath, keyword, params, message } = e as Record<string, unknown>;
    return { instancePath, keyword, params, message };
  });

describe('precompiled schema validators', () => {
  it('npm run build made one for every shipped schema, and runs use it', () => {
    const dir = join(root, PRECOMPILED_SCHEMAS_DIR);
    expect(existsSync(dir), `${dir} is missing: run \`npm run build\` before the tests`).toBe(true);
    expect(readdirSync(dir).length).toBe(SHIPPED_SCHEMAS.length);
    for (const s of SHIPPED_SCHEMAS) {
      const schema = read(s.file) as object;
      expect(existsSync(join(dir, `${schemaKey(schema, s.profile)}.cjs`)), s.file).toBe(true);
      expect(validatorSource(schemaValidator(schema, s.profile)), s.file).toBe('precompiled');
    }
  });

  for (const s of SHIPPED_SCHEMAS) {
    it(`${s.file}: the precompiled validator gives ajv's verdict and errors on real and edited documents`, () => {
      const schema = read(s.file) as object;
      const pre = schemaValidator(schema, s.profile);
      const fresh = new Ajv2020(SCHEMA_PROFILES[s.profile]).compile(schema);
      const docs = samples(s.file);
      for (const d of docs) {
        expect(pre(d), JSON.stringify(pre.errors)).toBe(true);
      }
      let rejected = 0;
      fc.assert(
        fc.property(fc.nat(docs.length - 1), edit, (i, e) => {
          const doc = mutate(docs[i], e);
          const a = pre(doc);
          const b = fresh(doc);
          expect(a).toBe(b);
          expect(errorsOf(pre)).toEqual(errorsOf(fresh));
          if (!a) rejected++;
        }),
        { numRuns: 150, seed: 6 },
      );
      expect(rejected).toBeGreaterThan(0); // the edits do reach the schema's constraints
    });
  }

  it('an edited schema is compiled at run time and enforces the edit', () => {
    const schema = read('policies/schema.json') as { required?: string[] };
    const stricter = { ...schema, required: [...(schema.required ?? []), 'no_such_field'] };
    const v = schemaValidator(stricter, 'config');
    expect(validatorSource(v)).toBe('compiled');
    expect(v(yaml('policies/baseline.yaml'))).toBe(false);
    // The shipped schema (same $id) still has its own validator.
    expect(
      schemaValidator(read('policies/schema.json') as object, 'config')(yaml('policies/baseline.yaml')),
    ).toBe(true);
  });

  it('keys depend on the profile as well as the schema', () => {
    const schema = read('rules/data.schema.json') as object;
    expect(schemaKey(schema, 'rules')).not.toBe(schemaKey(schema, 'evidence'));
    expect(schemaKey(schema, 'rules')).toBe(schemaKey(structuredClone(schema), 'rules'));
  });
});
