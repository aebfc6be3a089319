import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CoverageCode } from '../coverage.js';
import type { FormatId } from '../format.js';
import { scanPaths } from '../local/scan-paths.js';
import type { ArtifactResult } from '../result.js';
import type { Severity } from '../severity.js';
import { computeVerdict } from '../verdict.js';
import { decide } from './decide.js';
import type { Decision } from './decision.js';
import { exitCodeFor } from './exit-code.js';
import {
  bundledPolicyDir,
  DEFAULT_POLICY,
  loadPolicy,
  resolvePolicyRef,
  type LoadPolicyOptions,
} from './load.js';
import { readYamlFile, validateAgainst } from './parse.js';
import { policyScanOptions } from './scan-options.js';
import { localScope } from './scope.js';
import type { Action, PolicyScope, ResolvedPolicy } from './types.js';

/** The file `policy test <dir>` reads in a folder. */
export const CASES_FILE = 'cases.yaml';

interface SyntheticResult {
  path?: string;
  sha256?: string;
  format?: string;
  members?: string[];
  findings?: { rule: string; severity: Severity; member?: string }[];
  issues?: string[];
}

export interface PolicyCase {
  name: string;
  artifact?: string;
  result?: SyntheticResult;
  policy?: string;
  scope?: PolicyScope;
  now?: string;
  expect: Action;
  expect_exit?: 0 | 1 | 2;
}

export interface CaseOutcome {
  name: string;
  passed: boolean;
  expected: Action;
  decision: Decision;
  exitCode: number;
  /** What did not match, when `passed` is false. */
  problem?: string;
}

/** A loaded cases file with every policy it names already resolved (so a bad policy stops before any scan). */
export interface CaseSuite {
  file: string;
  cases: PolicyCase[];
  policies: Map<string, ResolvedPolicy>;
}

/** Load `<dir>/cases.yaml` (or a cases file), validate it and load every policy it names. Throws POLICY_INVALID. */
export function loadCases(path: string, options: LoadPolicyOptions = {}): CaseSuite {
  const file = statSync(path, { throwIfNoEntry: false })?.isDirectory() ? join(path, CASES_FILE) : path;
  const parsed = readYamlFile(file);
  const bundledDir = options.bundledDir ?? bundledPolicyDir();
  validateAgainst(parsed, JSON.parse(readFileSync(join(bundledDir, 'cases.schema.json'), 'utf8')) as object);
  const doc = parsed.data as { policy?: string; cases: PolicyCase[] };
  const policies = new Map<string, ResolvedPolicy>();
  const cases = doc.cases.map((c) => ({ ...c, policy: c.policy ?? doc.policy ?? DEFAULT_POLICY }));
  for (const c of cases) {
    const ref = resolvePolicyRef(c.policy, bundledDir, file);
    if (!policies.has(ref)) policies.set(ref, loadPolicy(ref, options));
    c.policy = ref;
  }
  return { file, cases, policies };
}

/** Run every case: scan its artifact (or take its synthetic result), decide, compare with the expectation. */
export async function runCases(suite: CaseSuite): Promise<CaseOutcome[]> {
  const out: CaseOutcome[] = [];
  for (const c of suite.cases) {
    const policy = suite.policies.get(c.policy!)!;
    const model = c.artifact ?? c.result?.path ?? c.name;
    const scope: PolicyScope = { ...localScope(model), ...c.scope };
    const result =
      c.artifact !== undefined
        ? await scanCaseArtifact(dirname(suite.file), c.artifact, policy, scope)
        : syntheticResult(c.result!, model);
    const now = c.now ? new Date(`${c.now}T12:00:00Z`) : new Date();
    const decision = decide(result, policy, scope, now);
    const exitCode = exitCodeFor([decision]);
    const problems: string[] = [];
    if (decision.decision !== c.expect) problems.push(`expected ${c.expect}, got ${decision.decision}`);
    if (c.expect_exit !== undefined && exitCode !== c.expect_exit)
      problems.push(`expected exit ${c.expect_exit}, got ${exitCode}`);
    out.push({
      name: c.name,
      passed: problems.length === 0,
      expected: c.expect,
      decision,
      exitCode,
      ...(problems.length ? { problem: problems.join('; ') } : {}),
    });
  }
  return out;
}

/** Scan a case's file with the policy's scan options; the result's path is the path as written in the case. */
async function scanCaseArtifact(
  base: string,
  artifact: string,
  policy: ResolvedPolicy,
  scope: PolicyScope,
): Promise<ArtifactResult> {
  let last: ArtifactResult | undefined;
  for await (const r of scanPaths([join(base, artifact)], policyScanOptions(policy, scope))) last = r;
  if (!last) {
    const coverage = {
      complete: false,
      scanned: [],
      data: [],
      issues: [{ member: '', code: 'UNREADABLE' as const, message: 'no file to scan' }],
      unlisted: 0,
    };
    return {
      path: artifact,
      sha256: null,
      size: 0,
      format: 'unknown',
      verdict: 'inconclusive',
      findings: [],
      coverage,
      durationMs: 0,
    };
  }
  return { ...last, path: artifact };
}

function syntheticResult(r: SyntheticResult, path: string): ArtifactResult {
  const findings = (r.findings ?? []).map((f) => ({
    ruleId: f.rule,
    severity: f.severity,
    message: f.rule,
    location: f.member ? { member: f.member } : {},
  }));
  const issues = (r.issues ?? []).map((code) => ({ member: '', code: code as CoverageCode, message: code }));
  const coverage = {
    complete: issues.length === 0,
    scanned: (r.members ?? []).map((format, i) => ({ member: `member${i}`, format })),
    data: [],
    issues,
    unlisted: 0,
  };
  return {
    path,
    sha256: r.sha256 ?? null,
    size: 0,
    format: (r.format ?? 'unknown') as FormatId,
    verdict: computeVerdict(findings, coverage),
    findings,
    coverage,
    durationMs: 0,
  };
}
