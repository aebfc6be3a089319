import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEvidence } from '../record.js';
import { createKeySigner } from '../signing/key-signer.js';
import { fakeResult } from '../statement/fixtures.test-support.js';
import { toComplianceReport, loadComplianceMap } from './compliance.js';
import { toCsv } from './csv.js';
import { toCycloneDx } from './cyclonedx.js';
import { loadEvidence, type EvidenceEntry } from './load.js';
import { toSarifFromEvidence } from './sarif.js';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'cavra-export-'));
let entries: EvidenceEntry[];

beforeAll(async () => {
  const s = await openEvidence({
    env: {},
    evidenceDir: dir,
    signer: createKeySigner(generateKeyPairSync('ed25519').privateKey),
  });
  const bad = fakeResult('hf://org/repo@c0ffee/pytorch_model.bin', 'evil', {
    verdict: 'malicious',
    findings: [
      {
        ruleId: 'PICKLE-OS-EXEC',
        severity: 'critical',
        message: 'x',
        callable: 'posix.system',
        location: { member: 'archive/data.pkl', offset: 7 },
      },
    ],
  });
  await s.record(
    [bad, fakeResult('hf://org/repo@c0ffee/config.json', '{}', { format: 'json' })],
    { decision: 'block', riskScore: 95, policy: { id: 'strict', sha256: 'a'.repeat(64) } },
    {
      reference: 'hf://org/repo@c0ffee',
      registry: 'huggingface',
      version: 'c0ffee',
    },
  );
  await s.record(
    [fakeResult('/models/m/=cmd.bin', 'x', { sha256: null, verdict: 'inconclusive' })],
    undefined,
    { reference: '/models/m' },
  );
  await s.close();
  entries = loadEvidence(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('evidence exports', () => {
  it('CycloneDX 1.6 ML-BOM validates against the official schema', () => {
    const schemaDir = join(
      dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')),
      'res',
      'schema',
    );
    const load = (n: string) => JSON.parse(readFileSync(join(schemaDir, n), 'utf8')) as object;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addFormat('iri-reference', /^\S*$/);
    ajv.addFormat('idn-email', /^\S+@\S+$/);
    // bom-1.6 refers to its companions by file name, relative to its own $id.
    for (const n of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
      const companion = load(n) as { $id?: string };
      delete companion.$id;
      ajv.addSchema(companion, `http://cyclonedx.org/schema/${n}`);
    }
    const validate = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
    const bom = toCycloneDx(entries, '0.1.0') as {
      components: { type: string; hashes?: unknown[]; externalReferences: { type: string; url: string }[] }[];
    };
    expect(validate(bom), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(
      validate({
        ...bom,
        components: [
          { type: 'machine-learning-model', name: 'x', hashes: [{ alg: 'sha256', content: 'a'.repeat(64) }] },
        ],
      }),
    ).toBe(false);
    expect(bom.components.map((c) => c.type)).toEqual(['machine-learning-model', 'machine-learning-model']);
    expect(bom.components[0]!.hashes).toHaveLength(1);
    expect(bom.components[1]!.hashes).toBeUndefined(); // an unhashed artifact: no model digest
    expect(bom.components[0]!.externalReferences[0]).toMatchObject({
      type: 'attestation',
      url: entries[0]!.file,
    });
  });

  it('SARIF validates against the SARIF 2.1.0 schema', () => {
    const schema = JSON.parse(
      readFileSync(
        join(
          dirname(require.resolve('@microsoft/jest-sarif/package.json')),
          'lib',
          'schemas',
          'sarif-2.1.0-rtm.5.json',
        ),
        'utf8',
      ),
    ) as object;
    const ajv = new AjvDraft04.default({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const sarif = toSarifFromEvidence(entries, '0.1.0') as {
      runs: { results: { ruleId: string; message: { text: string } }[] }[];
    };
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(sarif.runs[0]!.results).toHaveLength(1);
    expect(sarif.runs[0]!.results[0]).toMatchObject({
      ruleId: 'PICKLE-OS-EXEC',
      message: { text: 'PICKLE-OS-EXEC (posix.system) in archive/data.pkl' },
    });
  });

  it('CSV has one row per artifact and defuses formula cells', () => {
    const lines = toCsv(entries).trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]!.split(',')).toContain('sha256');
    expect(lines[1]).toContain('hf://org/repo@c0ffee/pytorch_model.bin');
    expect(lines[1]).toContain('PICKLE-OS-EXEC');
    expect(lines[3]).toContain('/models/m/=cmd.bin');
    expect(
      toCsv([
        {
          ...entries[1]!,
          statement: {
            ...entries[1]!.statement,
            predicate: {
              ...entries[1]!.statement.predicate,
              source: { ...entries[1]!.statement.predicate.source, reference: '=HYPERLINK("x")' },
            },
          },
        },
      ]),
    ).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('compliance report maps each control and says what evidences it', () => {
    const map = loadComplianceMap();
    expect(map.controls.map((c) => c.id)).toEqual([
      'CAVRA-MODEL-SCAN',
      'CAVRA-ARTIFACT-PROVENANCE',
      'CAVRA-SIGNED-EVIDENCE',
      'CAVRA-EGRESS-MINIMIZATION',
    ]);
    const report = toComplianceReport(entries, { verified: true, problems: 0 }, '0.1.0') as {
      controls: { id: string; status: string; mappings: Record<string, string[]> }[];
      summary: { hashedArtifacts: number };
    };
    expect(report.summary.hashedArtifacts).toBe(2);
    expect(report.controls.every((c) => c.status === 'evidenced')).toBe(true);
    expect(report.controls[0]!.mappings['mitre-atlas']).toContain('AML.T0011.000');
    const failed = toComplianceReport(entries, { verified: false, problems: 2 }, '0.1.0') as {
      controls: { id: string; status: string }[];
    };
    expect(failed.controls.find((c) => c.id === 'CAVRA-SIGNED-EVIDENCE')?.status).toBe('not-evidenced');
  });
});
