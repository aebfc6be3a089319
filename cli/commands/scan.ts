import { egressPolicyFor } from '../../connectors/egress-endpoints.js';
import { writeFileSync, appendFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { CavraError } from '../../scanner/errors.js';
import type { Limits } from '../../scanner/limits.js';
import { scanPaths } from '../../scanner/local/scan-paths.js';
import {
  decide,
  decisionJson,
  exitCodeFor,
  loadPolicy,
  localScope,
  policyFromEnv,
  policyScanOptions,
  POLICY_ENV,
  type Decision,
  type PolicyScope,
} from '../../scanner/policy/index.js';
import type { ArtifactResult } from '../../scanner/result.js';
import type { CommandModule } from '../command-module.js';
import type { CliIO } from '../io.js';
import { isReference, parseReference } from '../../connectors/index.js';
import { scanReference } from '../../connectors/scan-reference.js';
import { openEvidence, type EvidenceSession } from '../../evidence/record.js';
import { toSarif } from '../output/sarif.js';
import { addEvidenceOptions, evidenceOptionsFrom } from './evidence.js';
import { countVerdicts } from '../output/summary.js';
import { tableHeader, tableRows, tableSummary } from '../output/table.js';
import { VERSION } from '../version.js';
import { scanExitCode, type FailOn } from './scan-exit.js';
import { evidenceRequested } from './evidence-requested.js';

export interface ScanCliOptions {
  format: 'table' | 'json' | 'jsonl' | 'sarif';
  output?: string;
  failOn: FailOn;
  allowInconclusive: boolean;
  maxFileSize?: string;
  maxDepth?: string;
  policy?: string;
  stage?: string;
  tag?: string[];
  key?: string;
  evidenceDir?: string;
  modelSigningKey?: string;
  controlPlane?: string;
  controlPlaneTokenFile?: string;
}

/** A scanned artifact with the policy's decision, as written by the json and jsonl formats. */
export type DecidedResult = ArtifactResult & ReturnType<typeof decisionJson>;

const HELP_EXIT = `
Every result is also decided by a policy (allow, warn or block, with a risk score 0-100): --policy, else
$${POLICY_ENV}, else the bundled 'baseline' pack.

Exit codes without --policy/$${POLICY_ENV} (verdict thresholds):
  0  nothing at or above the failure threshold (--fail-on, default: malicious)
  1  a result at or above the failure threshold
  2  an inconclusive result (fail closed; relax with --allow-inconclusive), or nothing to scan
  3  usage or configuration error; nothing was scanned
Exit codes with a policy (the same for scan, registry and gate):
  0  every artifact allowed or warned   1  an artifact blocked
  2  a block rests on an inconclusive result (fail closed)   3  usage or configuration error`;

/** `cavra-scan scan <path...>`: files and directories, recursively, each format identified by content. */
export const scanCommand: CommandModule = {
  register(program: Command, io, done) {
    const cmd = program
      .command('scan')
      .description('scan model files and directories (recursively) in one streaming pass per file')
      .argument(
        '<path...>',
        'files, directories, or registry references (hf://org/repo, models:/name/3, s3://bucket/key, a SageMaker model package ARN, wandb://entity/project/name:v3)',
      )
      .addOption(
        new Option('-f, --format <format>', 'report format')
          .choices(['table', 'json', 'jsonl', 'sarif'])
          .default('table'),
      )
      .option('-o, --output <file>', 'write the report to a file instead of standard output')
      .addOption(
        new Option('--fail-on <verdict>', 'lowest verdict that exits 1')
          .choices(['malicious', 'suspicious', 'none'])
          .default('malicious'),
      )
      .option('--allow-inconclusive', 'do not exit 2 on inconclusive results', false)
      .option('--max-file-size <bytes>', 'largest file read, in bytes (larger files are inconclusive)')
      .option('--max-depth <n>', 'deepest container nesting scanned')
      .option(
        '-p, --policy <name|file>',
        `policy pack: a bundled name (baseline, strict, permissive-research) or a YAML file (env ${POLICY_ENV})`,
      )
      .option(
        '--stage <stage>',
        'stage the scanned files are headed for, for policy scope selectors (e.g. production)',
      )
      .option('--tag <tag...>', 'tags of the scanned model, for policy scope selectors')
      .addHelpText('after', HELP_EXIT);
    addEvidenceOptions(cmd).action(async (paths: string[], opts: ScanCliOptions) => {
      done(await runScan(paths, opts, io));
    });
  },
};

function registryOf(ref: string): string {
  return usage(() => parseReference(ref).registry);
}

/** Run `f`; a malformed reference (ConnectorError) becomes a usage error (exit 3). CavraErrors pass through. */
function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof CavraError) throw err;
    throw new CavraError('USAGE', (err as Error).message, { cause: err });
  }
}

/** The decision for a model version: its strictest artifact decision and highest risk score. */
function summarize(ds: readonly Decision[], policy: { id: string; sha256: string }) {
  const order = ['allow', 'warn', 'block'] as const;
  let decision: (typeof order)[number] = 'allow';
  let riskScore = 0;
  for (const d of ds) {
    if (order.indexOf(d.decision) > order.indexOf(decision)) decision = d.decision;
    riskScore = Math.max(riskScore, d.riskScore);
  }
  return { decision, riskScore, policy: { id: policy.id, sha256: policy.sha256 } };
}

function parseLimit(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new CavraError('USAGE', `${flag} takes a non-negative integer, got '${value}'`);
  return n;
}

export async function runScan(paths: string[], opts: ScanCliOptions, io: CliIO): Promise<number> {
  const limits: Partial<Limits> = {};
  const maxFile = parseLimit(opts.maxFileSize, '--max-file-size');
  const maxDepth = parseLimit(opts.maxDepth, '--max-depth');
  if (maxFile !== undefined) limits.maxFileBytes = maxFile;
  if (maxDepth !== undefined) limits.maxDepth = maxDepth;

  // The policy is loaded (and validated) before anything is read: a bad policy scans nothing.
  const explicitPolicy = Boolean(opts.policy || io.env[POLICY_ENV]);
  if (explicitPolicy && (opts.failOn !== 'malicious' || opts.allowInconclusive)) {
    throw new CavraError(
      'USAGE',
      '--fail-on and --allow-inconclusive do not combine with a policy: the policy decides (use its actions)',
    );
  }
  const policy = loadPolicy(policyFromEnv(opts.policy, io.env));
  // The egress allowlist (registries named on the command line, the control plane) is fixed before any request.
  const refList = paths.filter(isReference);
  const controlPlane = opts.controlPlane ?? io.env.CAVRA_CONTROL_PLANE_URL;
  const egress =
    refList.length > 0 || controlPlane
      ? usage(() => egressPolicyFor(refList, io.env, controlPlane))
      : undefined;
  // Keys and evidence settings are checked before any scan work (a bad key exits 3).
  const evidence: EvidenceSession | undefined = evidenceRequested(opts, io.env)
    ? await openEvidence({ ...evidenceOptionsFrom(opts, io.env), ...(egress ? { egress } : {}) })
    : undefined;
  const extra = {
    ...(opts.stage ? { stage: opts.stage } : {}),
    ...(opts.tag?.length ? { tags: opts.tag } : {}),
  };
  // Registry references are resolved by their connector (a malformed one is a usage error, before any read).
  const refs = new Map(paths.filter(isReference).map((p) => [p, registryOf(p)] as const));
  const scopeOf = (path: string, arg = path): PolicyScope => {
    const registry = refs.get(arg);
    return registry ? { registry, model: path, ...extra } : localScope(path, extra);
  };
  const optionsFor = (path: string) => {
    const fromPolicy = policyScanOptions(policy, scopeOf(path));
    return { extensions: fromPolicy.extensions, limits: { ...fromPolicy.limits, ...limits } };
  };

  const out = opts.output;
  if (out) writeFileSync(out, '');
  const write = (text: string): void => (out ? appendFileSync(out, text) : io.stdout(text));
  const color = !out && io.isTTY && !io.env.NO_COLOR;

  const started = new Date();
  const results: DecidedResult[] = [];
  const decisions: Decision[] = [];
  if (opts.format === 'table') write(tableHeader());
  try {
    // One model version per path argument: its files are attested together.
    for (const path of paths) {
      const startedAt = new Date();
      const own: ArtifactResult[] = [];
      const ownDecisions: Decision[] = [];
      const source = refs.has(path)
        ? scanReference(path, { ...optionsFor(path), env: io.env, ...(egress ? { egress } : {}) })
        : scanPaths([path], optionsFor);
      for await (const r of source) {
        const d = decide(r, policy, scopeOf(r.path, path));
        decisions.push(d);
        ownDecisions.push(d);
        own.push(r);
        const decided: DecidedResult = { ...r, ...decisionJson(d) };
        results.push(decided);
        if (opts.format === 'jsonl') write(JSON.stringify(decided) + '\n');
        else if (opts.format === 'table') write(tableRows(r, color, d));
      }
      if (evidence && own.length > 0) {
        const rec = await evidence.record(own, summarize(ownDecisions, policy), {
          reference: path,
          registry: refs.get(path) ?? 'local',
          modelRoot: path,
          startedAt,
          finishedAt: new Date(),
        });
        io.stderr(
          `cavra-scan: evidence ${rec.file} (${rec.subjects} subject(s), sha256:${rec.digest.slice(0, 16)}…)\n`,
        );
      }
    }
    if (evidence) {
      const f = await evidence.flush();
      if (evidence.controlPlane)
        io.stderr(`cavra-scan: evidence delivered ${f.delivered}, pending ${f.pending}\n`);
    }
  } finally {
    await evidence?.close();
  }
  const code = explicitPolicy
    ? results.length === 0
      ? 2
      : exitCodeFor(decisions)
    : scanExitCode(results, opts.failOn, opts.allowInconclusive);
  if (opts.format === 'table') write(tableSummary(results));
  else if (opts.format === 'json') {
    const doc = {
      tool: { name: 'cavra-scan', version: VERSION },
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      summary: countVerdicts(results),
      exitCode: code,
      results,
    };
    write(JSON.stringify(doc, null, 2) + '\n');
  } else if (opts.format === 'sarif') write(JSON.stringify(toSarif(results, VERSION), null, 2) + '\n');
  if (results.length === 0) io.stderr('cavra-scan: nothing to scan (no files found)\n');
  return code;
}
