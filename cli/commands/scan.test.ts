import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { captureIO } from '../../test-support/capture-io.js';
import { run } from '../main.js';

const require = createRequire(import.meta.url);
const schemaDir = join(import.meta.dirname, '..', 'output', 'schemas');
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, 'artifact-result.schema.json'), 'utf8')));
const validateResult = ajv.getSchema('https://cavra.dev/schemas/scan/artifact-result.schema.json')!;
const validateReport = ajv.compile(
  JSON.parse(readFileSync(join(schemaDir, 'scan-report.schema.json'), 'utf8')),
);
// ajv-draft-04 is CommonJS; its default export is the constructor at run time.
const Draft04 = AjvDraft04 as unknown as new (o: object) => InstanceType<typeof Ajv2020>;
const sarifAjv = new Draft04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(sarifAjv as never);
const validateSarif = sarifAjv.compile(require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cavra-cli-'));
  writeFileSync(join(dir, 'config.json'), '{"model_type": "bert"}');
  writeFileSync(join(dir, 'README.md'), '# a model\n');
  writeFileSync(join(dir, 'blob.bin'), Buffer.from([0xff, 0x00, 0x13, 0x37, 0x42, 0x99, 0x10, 0x20]));
  writeFileSync(join(dir, 'empty.pkl'), '');
  return dir;
}

describe('cavra-scan scan', () => {
  const dir = fixture();

  it('writes one schema-valid JSON object per file with --format jsonl', async () => {
    const io = captureIO();
    const code = await run(['scan', dir, '--format', 'jsonl'], io);
    const lines = io.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.path)).toEqual(
      ['README.md', 'blob.bin', 'config.json', 'empty.pkl'].map((n) => join(dir, n)),
    );
    for (const l of lines) expect(validateResult(l), JSON.stringify(validateResult.errors)).toBe(true);
    expect(lines.map((l) => l.verdict)).toEqual(['clean', 'inconclusive', 'clean', 'inconclusive']);
    expect(code).toBe(2);
  });

  it('writes one schema-valid document with --format json', async () => {
    const io = captureIO();
    await run(['scan', dir, '--format', 'json'], io);
    const doc = JSON.parse(io.out);
    expect(validateReport(doc), JSON.stringify(validateReport.errors)).toBe(true);
    expect(doc.summary).toMatchObject({ files: 4, clean: 2, inconclusive: 2 });
    expect(doc.exitCode).toBe(2);
  });

  it('writes SARIF 2.1.0 that validates against the official schema', async () => {
    const io = captureIO();
    await run(['scan', dir, '--format', 'sarif'], io);
    const log = JSON.parse(io.out);
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const results = log.runs[0].results;
    expect(results.length).toBeGreaterThanOrEqual(2);
    for (const r of results) {
      expect(r.partialFingerprints['cavraFinding/v1']).toMatch(/^[0-9a-f]{32}$/);
      // GitHub code scanning (GH1003, GH1005): every location has region.startLine and a relative or file URI.
      expect(r.locations[0].physicalLocation.region.startLine).toBe(1);
      expect(r.locations[0].physicalLocation.artifactLocation.uri).not.toMatch(/^[a-z][a-z0-9+.-]*:/i);
    }
    expect(log.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toContain('SCAN-INCOMPLETE');
  });

  it('prints a table by default, with the reason for every unchecked file', async () => {
    const io = captureIO();
    await run(['scan', dir], io);
    expect(io.out).toMatch(/^VERDICT\s+ACTION\s+RISK\s+FORMAT\s+SIZE\s+PATH/);
    expect(io.out).toMatch(/INCONCLUSIVE block\s+\d+\s+unknown/);
    expect(io.out).toContain('UNKNOWN_BINARY');
    expect(io.out).toContain('EMPTY_FILE');
    expect(io.out).toMatch(/4 file\(s\).*2 inconclusive, 2 clean/);
  });

  it('exit codes: 0 clean, 2 inconclusive unless allowed, 3 usage', async () => {
    expect(await run(['scan', join(dir, 'config.json')], captureIO())).toBe(0);
    expect(await run(['scan', join(dir, 'blob.bin')], captureIO())).toBe(2);
    expect(await run(['scan', join(dir, 'blob.bin'), '--allow-inconclusive'], captureIO())).toBe(0);
    expect(await run(['scan', join(dir, 'no-such-file')], captureIO())).toBe(2);
    const bad = captureIO();
    expect(await run(['scan', dir, '--format', 'xml'], bad)).toBe(3);
    expect(bad.err).toContain("argument 'xml' is invalid");
    expect(bad.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(await run(['scan'], captureIO())).toBe(3);
    expect(await run(['scan', dir, '--max-file-size', 'lots'], captureIO())).toBe(3);
    expect(await run(['frobnicate'], captureIO())).toBe(3);
  });

  it('decides every result with a policy (baseline by default) and follows the policy for the exit code', async () => {
    const io = captureIO();
    await run(['scan', join(dir, 'config.json'), join(dir, 'blob.bin'), '--format', 'jsonl'], io);
    const [clean, blob] = io.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(clean).toMatchObject({ decision: 'allow', risk_score: 0, policy: { id: 'baseline' } });
    expect(clean.policy.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(blob).toMatchObject({ decision: 'block', policy: { id: 'baseline' } });
    expect(blob.risk_score).toBeGreaterThan(0);
    expect(blob.reasons[0]).toMatchObject({ kind: 'inconclusive', action: 'block' });
    // An explicit policy decides the exit code: a block resting on an inconclusive result is 2.
    expect(await run(['scan', join(dir, 'blob.bin'), '--policy', 'baseline'], captureIO())).toBe(2);
    expect(await run(['scan', join(dir, 'config.json'), '--policy', 'strict'], captureIO())).toBe(0);
    expect(await run(['scan', join(dir, 'blob.bin'), '--policy', 'permissive-research'], captureIO())).toBe(
      0,
    );
    expect(
      await run(['scan', join(dir, 'blob.bin')], captureIO({ CAVRA_SCAN_POLICY: 'permissive-research' })),
    ).toBe(0);
  });

  it('refuses a bad policy before scanning anything (exit 3, file:line and field)', async () => {
    const policyFile = join(mkdtempSync(join(tmpdir(), 'cavra-pol-')), 'bad.yaml');
    writeFileSync(policyFile, 'version: 1\nid: bad\nactions:\n  critical: explode\n');
    const io = captureIO();
    expect(await run(['scan', dir, '--policy', policyFile, '--format', 'jsonl'], io)).toBe(3);
    expect(io.out).toBe('');
    expect(io.err).toContain('bad.yaml:4');
    expect(io.err).toContain('critical');
    const combo = captureIO();
    expect(await run(['scan', dir, '--policy', 'strict', '--allow-inconclusive'], combo)).toBe(3);
    expect(await run(['scan', dir, '--policy', 'no-such-pack'], captureIO())).toBe(3);
  });

  it('writes the report to --output', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cavra-out-')), 'report.jsonl');
    const io = captureIO();
    await run(['scan', join(dir, 'config.json'), '--format', 'jsonl', '--output', out], io);
    expect(io.out).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).verdict).toBe('clean');
  });
});
