import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoverageIssue } from '../coverage.js';
import type { Finding } from '../finding.js';
import type { FormatId } from '../format.js';
import type { ArtifactResult } from '../result.js';
import type { Severity } from '../severity.js';
import { computeVerdict } from '../verdict.js';
import { decide } from './decide.js';
import type { Decision } from './decision.js';
import { exitCodeFor } from './exit-code.js';
import { loadPolicy } from './load.js';
import type { Action, PolicyScope, ResolvedPolicy } from './types.js';

const catalog = new Map(
  [
    ['PICKLE-UNKNOWN-GLOBAL', 'imports a global outside the allow lists'],
    ['PICKLE-OS-EXEC', 'runs a shell command when loaded'],
    ['ONNX-CUSTOM-DOMAIN', 'uses a custom operator domain'],
  ].map(([id, why]) => [id!, { id: id!, why: why! }]),
);
const NOW = new Date('2026-06-15T12:00:00Z');
const SHA = 'ab'.repeat(32);

function finding(ruleId: string, severity: Severity, member?: string): Finding {
  return { ruleId, severity, message: `${ruleId} found`, location: member ? { member } : {} };
}

function result(
  opts: {
    findings?: Finding[];
    issues?: CoverageIssue['code'][];
    format?: FormatId;
    members?: FormatId[];
    path?: string;
  } = {},
): ArtifactResult {
  const issues = (opts.issues ?? []).map((code) => ({ member: '', code, message: `${code} here` }));
  const coverage = {
    complete: issues.length === 0,
    scanned: (opts.members ?? []).map((format, i) => ({ member: `m${i}`, format })),
    data: [],
    issues,
    unlisted: 0,
  };
  const findings = opts.findings ?? [];
  return {
    path: opts.path ?? 'models/a.pkl',
    sha256: SHA,
    size: 10,
    format: opts.format ?? 'pickle',
    verdict: computeVerdict(findings, coverage),
    findings,
    coverage,
    durationMs: 1,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'cavra-decide-'));
function policy(yaml: string, name = `p${Math.random().toString(36).slice(2)}`): ResolvedPolicy {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return loadPolicy(file, { catalog });
}
const bundled = (name: string): ResolvedPolicy => loadPolicy(name, { catalog });

const ACME = `version: 1
id: acme
extends: baseline
severity_overrides:
  ONNX-CUSTOM-DOMAIN: low
scopes:
  - name: prod
    match: {registry: mlflow, stage: Production}
    severity_overrides: {PICKLE-UNKNOWN-GLOBAL: high}
  - name: research
    match: {model: "research/**"}
    actions: {high: warn, inconclusive: warn}
  - name: any-prod
    match: {stage: production}
    require_formats: [safetensors, onnx]
    require_signature: true
waivers:
  - {id: w-valid, rule: PICKLE-OS-EXEC, artifact: "models/legacy/*.pkl", owner: ml-sec, reason: reviewed, expires: 2026-06-15}
  - {id: w-expired, rule: PICKLE-OS-EXEC, sha256: "${SHA}", owner: ml-sec, reason: old review, expires: 2026-06-14}
`;

const local: PolicyScope = { registry: 'local', model: 'models/a.pkl' };
const unknownGlobal = [finding('PICKLE-UNKNOWN-GLOBAL', 'medium')];
const osExec = [finding('PICKLE-OS-EXEC', 'critical', 'data.pkl')];

interface Row {
  name: string;
  policy: () => ResolvedPolicy;
  result: ArtifactResult;
  scope?: PolicyScope;
  expect: Action;
  exit: number;
  check?: (d: Decision) => void;
}

const table: Row[] = [
  {
    name: 'baseline: clean -> allow',
    policy: () => bundled('baseline'),
    result: result(),
    expect: 'allow',
    exit: 0,
    check: (d) => expect(d.riskScore).toBe(0),
  },
  {
    name: 'baseline: suspicious -> warn',
    policy: () => bundled('baseline'),
    result: result({ findings: unknownGlobal }),
    expect: 'warn',
    exit: 0,
  },
  {
    name: 'baseline: malicious -> block',
    policy: () => bundled('baseline'),
    result: result({ findings: osExec }),
    expect: 'block',
    exit: 1,
  },
  {
    name: 'baseline: inconclusive -> block, exit 2',
    policy: () => bundled('baseline'),
    result: result({ issues: ['PARSE_ERROR', 'PARSE_ERROR', 'LIMIT_DEPTH'] }),
    expect: 'block',
    exit: 2,
    check: (d) => {
      expect(d.inconclusive).toBe(true);
      expect(d.reasons.map((r) => r.ruleId)).toEqual(['PARSE_ERROR', 'LIMIT_DEPTH']);
      expect(d.riskScore).toBe(60);
    },
  },
  {
    name: 'baseline: malicious and inconclusive -> exit 1',
    policy: () => bundled('baseline'),
    result: result({ findings: osExec, issues: ['TRUNCATED'] }),
    expect: 'block',
    exit: 1,
  },
  {
    name: 'strict: suspicious -> block',
    policy: () => bundled('strict'),
    result: result({ findings: unknownGlobal }),
    expect: 'block',
    exit: 1,
  },
  {
    name: 'strict: low -> warn',
    policy: () => bundled('strict'),
    result: result({ findings: [finding('ONNX-CUSTOM-DOMAIN', 'low')] }),
    expect: 'warn',
    exit: 0,
  },
  {
    name: 'strict: pickle in production -> block by format and signature',
    policy: () => bundled('strict'),
    result: result({ format: 'pytorch-zip', members: ['pickle'] }),
    scope: { registry: 'mlflow', model: 'fraud', stage: 'Production', signed: true },
    expect: 'block',
    exit: 1,
    check: (d) => {
      expect(d.scope).toBe('production');
      expect(d.reasons.map((r) => `${r.kind}:${r.ruleId}`)).toEqual(['format:pytorch-zip', 'format:pickle']);
      expect(d.reasons[0]!.clause).toBe(
        'strict: scopes[production].deny_formats = [pickle, pytorch-zip, pytorch-legacy, pytorch-legacy-tar, torchscript, joblib, numpy-npz]; baseline: actions.format = block',
      );
    },
  },
  {
    name: 'strict: production tag, safetensors but unsigned -> block',
    policy: () => bundled('strict'),
    result: result({ format: 'safetensors' }),
    scope: { registry: 'huggingface', model: 'org/m', tags: ['team-a', 'prod'] },
    expect: 'block',
    exit: 1,
    check: (d) => expect(d.reasons.map((r) => r.kind)).toEqual(['unsigned']),
  },
  {
    name: 'strict: production alias, signed safetensors -> allow',
    policy: () => bundled('strict'),
    result: result({ format: 'safetensors' }),
    scope: { registry: 'mlflow', alias: 'champion', signed: true },
    expect: 'allow',
    exit: 0,
  },
  {
    name: 'permissive: malicious -> warn',
    policy: () => bundled('permissive-research'),
    result: result({ findings: osExec, issues: ['TRUNCATED'] }),
    expect: 'warn',
    exit: 0,
  },
  {
    name: 'override: lowered severity -> allow, clause names the override',
    policy: () => policy(ACME),
    result: result({ format: 'onnx', findings: [finding('ONNX-CUSTOM-DOMAIN', 'medium')] }),
    expect: 'allow',
    exit: 0,
    check: (d) => {
      expect(d.reasons[0]).toMatchObject({
        severity: 'low',
        reportedSeverity: 'medium',
        why: 'uses a custom operator domain',
      });
      expect(d.reasons[0]!.clause).toBe(
        'acme: severity_overrides.ONNX-CUSTOM-DOMAIN = low; baseline: actions.low = allow',
      );
      expect(d.riskScore).toBe(10);
    },
  },
  {
    name: 'scope selector: prod (registry + stage, case-insensitive) raises unknown globals to block',
    policy: () => policy(ACME),
    result: result({ findings: unknownGlobal }),
    scope: { registry: 'MLflow', model: 'fraud', stage: 'production', signed: true },
    expect: 'block',
    exit: 1,
    check: (d) => {
      // prod (2 keys) is more specific than any-prod (1 key), so any-prod's format rules do not apply.
      expect(d.scope).toBe('prod');
      expect(d.reasons.map((r) => r.kind)).toEqual(['finding']);
    },
  },
  {
    name: 'scope selector: other stage -> top level',
    policy: () => policy(ACME),
    result: result({ findings: unknownGlobal }),
    scope: { registry: 'mlflow', stage: 'Staging' },
    expect: 'warn',
    exit: 0,
    check: (d) => expect(d.scope).toBeNull(),
  },
  {
    name: 'scope selector: model glob ** (research warns on malicious)',
    policy: () => policy(ACME),
    result: result({ findings: [finding('PICKLE-UNKNOWN-GLOBAL', 'high')], issues: ['LIMIT_TIME'] }),
    scope: { registry: 'local', model: 'research/team/x.pkl' },
    expect: 'warn',
    exit: 0,
    check: (d) =>
      expect(d.reasons.map((r) => r.clause)).toEqual([
        'acme: scopes[research].actions.high = warn',
        'acme: scopes[research].actions.inconclusive = warn',
      ]),
  },
  {
    name: 'scope selector: model * does not cross /',
    policy: () =>
      policy(`version: 1\nid: g\nscopes: [{name: r, match: {model: "research/*"}, actions: {high: warn}}]\n`),
    result: result({ findings: [finding('PICKLE-OS-EXEC', 'high')] }),
    scope: { model: 'research/a/b' },
    expect: 'block',
    exit: 1,
  },
  {
    name: 'waiver: valid on its last day -> waived, allow',
    policy: () => policy(ACME),
    result: result({ findings: osExec, path: 'models/legacy/old.pkl' }),
    expect: 'allow',
    exit: 0,
    check: (d) => {
      expect(d.waived).toEqual([
        {
          ruleId: 'PICKLE-OS-EXEC',
          member: 'data.pkl',
          waiver: { id: 'w-valid', owner: 'ml-sec', reason: 'reviewed', expires: '2026-06-15' },
        },
      ]);
      expect(d.riskScore).toBe(90); // a waiver accepts a risk, it does not remove it
      expect(d.expiredWaivers).toEqual([
        { id: 'w-expired', rule: 'PICKLE-OS-EXEC', owner: 'ml-sec', expires: '2026-06-14', matched: true },
      ]);
    },
  },
  {
    name: 'waiver: expired -> finding counts again and is reported',
    policy: () => policy(ACME),
    result: result({ findings: osExec, path: 'models/other.pkl' }),
    expect: 'block',
    exit: 1,
    check: (d) => {
      expect(d.waived).toEqual([]);
      expect(d.expiredWaivers.map((w) => [w.id, w.matched])).toEqual([['w-expired', true]]);
    },
  },
  {
    name: 'waiver: other rule is not waived',
    policy: () => policy(ACME),
    result: result({
      findings: [finding('PICKLE-UNKNOWN-GLOBAL', 'critical')],
      path: 'models/legacy/old.pkl',
    }),
    expect: 'block',
    exit: 1,
  },
  {
    name: 'require_formats: exempt containers and data; unknown member rejected',
    policy: () => policy('version: 1\nid: rf\nrequire_formats: [safetensors]\nactions: {format: warn}\n'),
    result: result({ format: 'zip', members: ['json', 'safetensors', 'text', 'unknown'] }),
    expect: 'warn',
    exit: 0,
    check: (d) => expect(d.reasons.map((r) => [r.ruleId, r.member])).toEqual([['unknown', 'm3']]),
  },
  {
    name: 'extends: child overrides parent action, parent scope still applies',
    policy: () => {
      policy(
        'version: 1\nid: parent\nactions: {medium: block}\nscopes: [{name: lab, match: {tag: lab}, actions: {medium: allow}}]\n',
        'parent',
      );
      return policy('version: 1\nid: kid\nextends: ./parent.yaml\nactions: {medium: warn}\n');
    },
    result: result({ findings: unknownGlobal }),
    expect: 'warn',
    exit: 0,
    check: (d) => expect(d.reasons[0]!.clause).toBe('kid: actions.medium = warn'),
  },
  {
    name: 'extends: parent scope applies through the child',
    policy: () => policy('version: 1\nid: kid2\nextends: ./parent.yaml\n'),
    result: result({ findings: unknownGlobal }),
    scope: { tags: ['LAB'] },
    expect: 'allow',
    exit: 0,
    check: (d) => expect(d.reasons[0]!.clause).toBe('parent: scopes[lab].actions.medium = allow'),
  },
  {
    name: 'no actions anywhere -> built-in defaults',
    policy: () => policy('version: 1\nid: bare\n'),
    result: result({ findings: unknownGlobal }),
    expect: 'warn',
    exit: 0,
    check: (d) => expect(d.reasons[0]!.clause).toBe('(default) actions.medium = warn'),
  },
];

describe('decide: (artifact result, policy, scope) -> decision', () => {
  for (const row of table) {
    it(row.name, () => {
      const p = row.policy();
      const d = decide(row.result, p, row.scope ?? local, NOW, { catalog });
      expect(d.decision).toBe(row.expect);
      expect(exitCodeFor([d])).toBe(row.exit);
      expect(d.policy).toEqual({ id: p.id, sha256: p.sha256 });
      row.check?.(d);
    });
  }

  it('every finding reason carries the rule, the clause and the why text', () => {
    const d = decide(result({ findings: [...unknownGlobal, ...osExec] }), bundled('baseline'), local, NOW, {
      catalog,
    });
    expect(d.reasons).toEqual([
      {
        kind: 'finding',
        action: 'warn',
        ruleId: 'PICKLE-UNKNOWN-GLOBAL',
        severity: 'medium',
        clause: 'baseline: actions.medium = warn',
        why: 'imports a global outside the allow lists',
      },
      {
        kind: 'finding',
        action: 'block',
        ruleId: 'PICKLE-OS-EXEC',
        severity: 'critical',
        member: 'data.pkl',
        clause: 'baseline: actions.critical = block',
        why: 'runs a shell command when loaded',
      },
    ]);
  });
});

describe('exitCodeFor', () => {
  it('1 beats 2 beats 0 across artifacts; empty is 0', () => {
    const base = bundled('baseline');
    const d = (r: ArtifactResult): Decision => decide(r, base, local, NOW, { catalog });
    expect(exitCodeFor([])).toBe(0);
    expect(exitCodeFor([d(result()), d(result({ issues: ['TRUNCATED'] }))])).toBe(2);
    expect(
      exitCodeFor([d(result({ issues: ['TRUNCATED'] })), d(result({ findings: osExec })), d(result())]),
    ).toBe(1);
  });
});
