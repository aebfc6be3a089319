import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { CavraError } from '../../scanner/errors.js';
import { scanPaths } from '../../scanner/local/scan-paths.js';
import { loadCases, runCases } from '../../scanner/policy/cases.js';
import { decisionJson, policyFromEnv } from '../../scanner/policy/cli-support.js';
import { decide } from '../../scanner/policy/decide.js';
import type { Decision } from '../../scanner/policy/decision.js';
import { exitCodeFor } from '../../scanner/policy/exit-code.js';
import { loadPolicy } from '../../scanner/policy/load.js';
import { policyScanOptions } from '../../scanner/policy/scan-options.js';
import { localScope } from '../../scanner/policy/scope.js';
import type { PolicyScope, ResolvedPolicy } from '../../scanner/policy/types.js';
import { waiverExpired } from '../../scanner/policy/waivers.js';
import type { ArtifactResult } from '../../scanner/result.js';
import type { CommandModule } from '../command-module.js';
import { EXIT } from '../exit-codes.js';
import type { CliIO } from '../io.js';

const HELP = `
Policies: bundled packs baseline (default), strict, permissive-research, or a YAML file (see docs/policies.md).
The policy can also be named by $CAVRA_SCAN_POLICY.

Exit codes (explain, like scan/registry/gate):
  0  allow or warn
  1  block
  2  the block rests on an inconclusive result (fail closed)
  3  usage or configuration error (e.g. an invalid policy); nothing was scanned`;

interface ScopeOptions {
  registry?: string;
  model?: string;
  stage?: string;
  alias?: string;
  tag?: string[];
  signed?: boolean;
}

/** `cavra-scan policy validate|show|explain|test`. */
export const policyCommand: CommandModule = {
  register(program: Command, io, done) {
    const policy = program
      .command('policy')
      .description('validate, show, explain and test policies')
      .addHelpText('after', HELP);

    policy
      .command('validate')
      .description(
        'check policy files (or bundled pack names) against the schema, extends chain and rule ids',
      )
      .argument('<file...>', 'policy files or bundled pack names')
      .action((files: string[]) => done(validate(files, io)));

    policy
      .command('show')
      .description('print a pack as resolved after extends (YAML)')
      .argument('[name]', 'bundled pack name or policy file (default: $CAVRA_SCAN_POLICY or baseline)')
      .action((name: string | undefined) => done(show(loadPolicy(policyFromEnv(name, io.env)), io)));

    withScopeOptions(
      policy
        .command('explain')
        .description(
          'scan artifacts and explain the decision: each finding, its rule, the deciding clause and why',
        )
        .argument('<path...>', 'files or directories to scan')
        .option('-p, --policy <name|file>', 'policy (default: $CAVRA_SCAN_POLICY or baseline)')
        .option('--json', 'print each result with its decision as JSON lines'),
    ).action(async (paths: string[], opts: ScopeOptions & { policy?: string; json?: boolean }) => {
      const resolved = loadPolicy(policyFromEnv(opts.policy, io.env));
      done(await explain(paths, resolved, opts, Boolean(opts.json), io));
    });

    policy
      .command('test')
      .description(
        'run policy test cases (<dir>/cases.yaml: artifact or synthetic result, policy, scope, expected decision)',
      )
      .argument('<dir>', 'folder holding cases.yaml, or a cases file')
      .action(async (dir: string) => done(await test(dir, io)));
  },
};

function withScopeOptions(cmd: Command): Command {
  return cmd
    .option('--registry <name>', 'scope: registry (default: local)')
    .option('--model <name>', 'scope: model name (default: the path)')
    .option('--stage <stage>', 'scope: stage')
    .option('--alias <alias>', 'scope: alias')
    .addOption(new Option('--tag <tag...>', 'scope: tags'))
    .option('--signed', 'scope: the artifact has a verified signature');
}

function scopeFor(path: string, o: ScopeOptions): PolicyScope {
  const s: PolicyScope = { ...localScope(path) };
  if (o.registry) s.registry = o.registry;
  if (o.model) s.model = o.model;
  if (o.stage) s.stage = o.stage;
  if (o.alias) s.alias = o.alias;
  if (o.tag) s.tags = o.tag;
  if (o.signed) s.signed = true;
  return s;
}

function validate(files: string[], io: CliIO): number {
  let code: number = EXIT.OK;
  const now = new Date();
  for (const f of files) {
    try {
      const p = loadPolicy(f);
      io.stdout(
        `ok ${f}: ${p.id} sha256:${p.sha256}${
          p.layers.length > 1
            ? ` (extends ${p.layers
                .slice(1)
                .map((l) => l.id)
                .join(' <- ')})`
            : ''
        }\n`,
      );
      for (const w of p.document.waivers ?? []) {
        if (waiverExpired(w, now))
          io.stdout(
            `  note: waiver ${w.id ?? w.rule} (owner ${w.owner}) expired on ${w.expires}; it no longer applies\n`,
          );
      }
    } catch (err) {
      if (!(err instanceof CavraError)) throw err;
      io.stderr(`cavra-scan: error ${err.code}: ${err.message}\n`);
      code = EXIT.USAGE;
    }
  }
  return code;
}

function show(p: ResolvedPolicy, io: CliIO): number {
  io.stdout(
    `# policy ${p.id} (${p.source}), resolved: ${p.layers.map((l) => l.id).join(' <- ')}\n# sha256 ${p.sha256}\n`,
  );
  io.stdout(stringify(p.document, { lineWidth: 0 }));
  return EXIT.OK;
}

async function explain(
  paths: string[],
  policy: ResolvedPolicy,
  opts: ScopeOptions,
  json: boolean,
  io: CliIO,
): Promise<number> {
  const decisions: Decision[] = [];
  // Scan options can differ by scope; with an explicit --model every path shares one scope.
  for (const path of paths) {
    const scope = scopeFor(path, opts);
    for await (const r of scanPaths([path], policyScanOptions(policy, scope))) {
      const d = decide(r, policy, { ...scope, model: opts.model ?? r.path });
      decisions.push(d);
      io.stdout(json ? JSON.stringify({ ...r, ...decisionJson(d) }) + '\n' : explainText(r, d));
    }
  }
  if (decisions.length === 0) {
    io.stderr('cavra-scan: nothing to scan (no files found)\n');
    return EXIT.INCONCLUSIVE;
  }
  return exitCodeFor(decisions);
}

function explainText(r: ArtifactResult, d: Decision): string {
  const lines = [
    `${r.path}`,
    `  format ${r.format}, verdict ${r.verdict}${r.sha256 ? `, sha256 ${r.sha256}` : ''}`,
    `  policy ${d.policy.id} sha256:${d.policy.sha256.slice(0, 16)}${d.scope ? `, scope ${d.scope}` : ''}`,
    `  decision ${d.decision.toUpperCase()}, risk score ${d.riskScore}/100${d.inconclusive ? ' (inconclusive scan)' : ''}`,
  ];
  if (d.reasons.length === 0) lines.push('  no findings, nothing unscanned, every requirement met');
  for (const x of d.reasons) {
    const what =
      x.kind === 'finding'
        ? `${x.ruleId} (${x.severity}${x.reportedSeverity ? `, reported ${x.reportedSeverity}` : ''})`
        : `${x.kind} ${x.ruleId ?? ''}`.trim();
    lines.push(
      `  ${x.action.padEnd(5)} ${what}${x.member ? ` in ${x.member}` : ''}${x.callable ? ` [${x.callable}]` : ''}`,
    );
    if (x.evidence) lines.push(`        evidence: ${x.evidence}`);
    lines.push(`        clause: ${x.clause}`, `        why: ${x.why}`);
  }
  for (const w of d.waived)
    lines.push(
      `  waived ${w.ruleId}${w.member ? ` in ${w.member}` : ''} by ${w.waiver.id ?? 'waiver'} (owner ${w.waiver.owner}, until ${w.waiver.expires}): ${w.waiver.reason}`,
    );
  for (const w of d.expiredWaivers)
    lines.push(
      `  expired waiver ${w.id ?? w.rule} (owner ${w.owner}) ended ${w.expires}${w.matched ? `; ${w.rule} counts again` : ''}`,
    );
  return lines.join('\n') + '\n';
}

async function test(dir: string, io: CliIO): Promise<number> {
  const suite = loadCases(dir);
  const outcomes = await runCases(suite);
  let failed = 0;
  for (const o of outcomes) {
    if (o.passed) io.stdout(`PASS ${o.name}\n`);
    else {
      failed++;
      io.stdout(`FAIL ${o.name}: ${o.problem}\n`);
      for (const r of o.decision.reasons.filter((x) => x.action !== 'allow'))
        io.stdout(`       ${r.action} ${r.ruleId ?? r.kind}: ${r.clause}\n`);
    }
  }
  io.stdout(`${outcomes.length - failed} passed, ${failed} failed (${suite.file})\n`);
  return failed ? EXIT.FINDINGS : EXIT.OK;
}
