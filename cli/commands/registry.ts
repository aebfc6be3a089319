import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { defaultEvidenceDir } from '../../evidence/ledger/paths.js';
import { openEvidence, type EvidenceSession } from '../../evidence/record.js';
import { rulesVersion } from '../../gate/rules-version.js';
import { loadRegistryConfig } from '../../registry/config.js';
import type { RunEvent } from '../../registry/events.js';
import { jsonLog, progressLog } from '../../registry/log.js';
import { registryEgressPolicy } from '../../registry/connect.js';
import { runRegistryJob } from '../../registry/runner.js';
import { resolveShard } from '../../registry/shard.js';
import { stateFile } from '../../registry/state.js';
import { summaryText } from '../../registry/summary.js';
import { CavraError } from '../../scanner/errors.js';
import { loadPolicy, POLICY_ENV, DEFAULT_POLICY } from '../../scanner/policy/index.js';
import type { CommandModule } from '../command-module.js';
import { processIO, type CliIO } from '../io.js';
import { VERSION } from '../version.js';
import { addEvidenceOptions, evidenceOptionsFrom } from './evidence.js';
import { evidenceRequested } from './evidence-requested.js';

export interface RegistryCliOptions {
  config: string;
  policy?: string;
  dryRun: boolean;
  concurrency?: string;
  shard?: string;
  shards?: string;
  stateDir?: string;
  format: 'text' | 'json';
  key?: string;
  evidenceDir?: string;
  modelSigningKey?: string;
  controlPlane?: string;
  controlPlaneTokenFile?: string;
}

const HELP = `
Walks every registry and scope in the configuration (see docs/registries.md), skips every file whose registry digest
(or immutable version) was already scanned under the same rules and policy, scans the rest once each, decides each
model version with the policy and records signed evidence for it (evidence is on with --key, --evidence-dir,
--control-plane or their environment variables). State: <state-dir>/registry-state[-<i>-of-<N>].sqlite, by default
next to the evidence directory. Progress on a terminal, JSON log lines on stderr otherwise; the summary on stdout.

Exit codes:
  0  every model version allowed or warned
  1  a model version blocked by a finding, a denied format or a missing signature
  2  the run was partial (a registry, model or file could not be read) or a block rests on an inconclusive scan
  3  usage or configuration error; nothing was scanned`;

function parseConcurrency(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 32)
    throw new CavraError('USAGE', `--concurrency takes 1 to 32, got '${text}'`);
  return n;
}

/** `cavra-scan registry --config cavra-scan.yaml`: the scheduled scan of every configured registry. */
export const registryCommand: CommandModule = {
  register(program: Command, io, done) {
    const cmd = program
      .command('registry')
      .description(
        'scan every configured model registry incrementally (the CronJob), with policy and evidence',
      )
      .requiredOption('-c, --config <file>', 'cavra-scan.yaml: registries, scopes, policy, limits')
      .option(
        '-p, --policy <name|file>',
        `policy (default: the config's, else $${POLICY_ENV}, else baseline)`,
      )
      .option('--dry-run', 'list what would be scanned; download, record and store nothing', false)
      .option(
        '--concurrency <n>',
        'files scanned at once, in at most one worker thread per CPU (default: the config, else 2)',
      )
      .option('--shard <i/N>', 'scan shard i of N (0-based), split deterministically by model')
      .option(
        '--shards <N>',
        'shard count; the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)',
      )
      .option('--state-dir <dir>', "directory of the state file (default: the evidence directory's parent)")
      .addOption(
        new Option('-f, --format <format>', 'summary format').choices(['text', 'json']).default('text'),
      )
      .addHelpText('after', HELP);
    addEvidenceOptions(cmd).action(async (opts: RegistryCliOptions) => {
      done(await runRegistryCommand(opts, io));
    });
  },
};

export async function runRegistryCommand(opts: RegistryCliOptions, io: CliIO): Promise<number> {
  const config = loadRegistryConfig(opts.config);
  const shard = resolveShard(opts.shard, opts.shards, io.env);
  const concurrency = parseConcurrency(opts.concurrency, config.concurrency ?? 2);
  const policy = loadPolicy(opts.policy || config.policy || io.env[POLICY_ENV] || DEFAULT_POLICY);
  const version = rulesVersion();
  const wantEvidence = !opts.dryRun && evidenceRequested(opts, io.env);
  const evidenceDir = opts.evidenceDir ?? defaultEvidenceDir(io.env);
  const file = stateFile(opts.stateDir ?? dirname(evidenceDir), shard);
  // The egress allowlist (configured registries, control plane) is fixed before any request.
  const egress = registryEgressPolicy(config.registries, io.env, opts.controlPlane);
  // Keys and evidence settings are checked before any registry request (a bad key exits 3).
  const evidence: EvidenceSession | undefined = wantEvidence
    ? await openEvidence({ ...evidenceOptionsFrom(opts, io.env), rulesVersion: version, egress })
    : undefined;

  const log = io === processIO && process.stderr.isTTY ? progressLog(io.stderr) : jsonLog(io.stderr);
  const planned: { reference: string; size: number }[] = [];
  const emit = (e: RunEvent) => {
    if (e.event === 'artifact' && e.action === 'planned')
      planned.push({ reference: e.reference, size: e.bytes });
    log.event(e);
  };
  let summary;
  try {
    summary = await runRegistryJob({
      config,
      policy,
      rulesVersion: version,
      shard,
      stateFile: file,
      ...(evidence ? { evidence } : {}),
      concurrency,
      dryRun: opts.dryRun,
      env: io.env,
      egress,
      emit,
    });
  } finally {
    log.end();
    await evidence?.close();
  }
  if (opts.format === 'json') {
    const doc = {
      tool: { name: 'cavra-scan', version: VERSION },
      policy: { id: policy.id, sha256: policy.sha256 },
      rulesVersion: version,
      state: file,
      summary,
      ...(opts.dryRun ? { planned } : {}),
    };
    io.stdout(JSON.stringify(doc, null, 2) + '\n');
  } else {
    for (const p of planned) io.stdout(`would scan ${p.reference} (${p.size} bytes)\n`);
    io.stdout(summaryText(summary));
  }
  return summary.exitCode;
}
