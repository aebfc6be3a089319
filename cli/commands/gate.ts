import { Option, type Command } from 'commander';
import { parseDuration } from '../../gate/duration.js';
import { runGate } from '../../gate/engine.js';
import { openLedgerStore } from '../../gate/evidence/ledger-store.js';
import type { EvidenceStore } from '../../gate/ports.js';
import { sourceOpener } from '../../gate/sources/open-source.js';
import { outcomeLine, outcomeNotes } from '../../gate/text.js';
import { policyFromEnv } from '../../scanner/policy/cli-support.js';
import { loadPolicy } from '../../scanner/policy/load.js';
import type { CommandModule } from '../command-module.js';
import type { CliIO } from '../io.js';
import { CavraError } from '../../scanner/errors.js';

export interface GateCliOptions {
  policy?: string;
  maxAge: string;
  format: 'text' | 'json';
  key?: string;
  evidenceDir?: string;
  evidence: boolean;
  controlPlaneTokenFile?: string;
  registryAttempts?: string;
}

const HELP = `
Answers whether one model version may ship: ALLOW|WARN|BLOCK <ref> risk=NN — reason.
<reference> is a registry reference (hf://org/repo[@rev], models:/name/<version>, models:/name@<alias>, ...) or a
local file or directory. With a signing key (--key or $CAVRA_SIGNING_KEY) every answer is recorded as signed
evidence, and evidence for exactly the same files (digests re-checked against the registry's metadata, no
download), rules and policy, younger than --max-age, is verified and reused instead of scanning again.

Exit codes (fail closed):
  0  allow or warn
  1  block: a finding, a denied format or a missing signature
  2  cannot decide, so block: registry down or unreachable, unknown reference, inconclusive scan, evidence that
     cannot be written
  3  usage or configuration error (bad flag, invalid policy or signing key); nothing was decided`;

/** `cavra-scan gate <reference>`: the promotion gate for CI jobs. */
export const gateCommand: CommandModule = {
  register(program: Command, io, done) {
    program
      .command('gate')
      .description(
        'decide whether one model version may ship (allow / warn / block), reusing signed evidence',
      )
      .argument('<reference>', 'registry reference or local path of one model version')
      .option('-p, --policy <name|file>', 'policy (default: $CAVRA_SCAN_POLICY or baseline)')
      .option(
        '--max-age <duration>',
        'reuse signed evidence younger than this (e.g. 90s, 30m, 24h, 7d; 0 never)',
        '24h',
      )
      .addOption(
        new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'),
      )
      .option('--key <file>', 'signing key for evidence (default: $CAVRA_SIGNING_KEY)')
      .option('--evidence-dir <dir>', 'evidence ledger (default: $CAVRA_EVIDENCE_DIR or the state directory)')
      .option('--no-evidence', 'neither reuse nor record evidence, even with a key')
      .option('--control-plane-token-file <file>', 'control-plane token (with $CAVRA_CONTROL_PLANE_URL)')
      .option('--registry-attempts <n>', 'attempts per registry call before the gate gives up (default 5)')
      .addHelpText('after', HELP)
      .action(async (reference: string, opts: GateCliOptions) => {
        done(await runGateCommand(reference, opts, io));
      });
  },
};

export async function runGateCommand(reference: string, opts: GateCliOptions, io: CliIO): Promise<number> {
  const maxAgeMs = parseDuration(opts.maxAge);
  const attempts = parseAttempts(opts.registryAttempts);
  const policy = loadPolicy(policyFromEnv(opts.policy, io.env));
  let evidence: EvidenceStore | undefined;
  if (opts.evidence && (opts.key || io.env.CAVRA_SIGNING_KEY)) {
    evidence = await openLedgerStore({
      env: io.env,
      ...(opts.key ? { keyFile: opts.key } : {}),
      ...(opts.evidenceDir ? { evidenceDir: opts.evidenceDir } : {}),
      ...(opts.controlPlaneTokenFile ? { tokenFile: opts.controlPlaneTokenFile } : {}),
    });
  }
  try {
    const outcome = await runGate(
      { reference, policy, maxAgeMs },
      {
        openSource: sourceOpener({
          env: io.env,
          allowLocal: true,
          ...(attempts ? { retry: { attempts } } : {}),
        }),
        ...(evidence ? { evidence } : {}),
      },
    );
    if (opts.format === 'json') io.stdout(JSON.stringify(outcome, null, 2) + '\n');
    else io.stdout(outcomeLine(outcome) + '\n');
    for (const n of outcomeNotes(outcome)) io.stderr(`cavra-scan: ${n}\n`);
    // Delivery is best effort here: the record is already durable and stays queued until acknowledged.
    await evidence?.flush().catch(() => undefined);
    return outcome.exit_code;
  } finally {
    await evidence?.close();
  }
}

/** `--registry-attempts`: 1..10 attempts per registry call. */
export function parseAttempts(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10)
    throw new CavraError('USAGE', `--registry-attempts takes 1 to 10, got '${text}'`);
  return n;
}
