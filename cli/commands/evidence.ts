import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { resolveControlPlane, type ControlPlaneOptions } from '../../evidence/emit/control-plane.js';
import { flushOutbox } from '../../evidence/emit/outbox.js';
import { createHttpTransport } from '../../evidence/emit/transport.js';
import { toComplianceReport } from '../../evidence/export/compliance.js';
import { toCsv } from '../../evidence/export/csv.js';
import { toCycloneDx } from '../../evidence/export/cyclonedx.js';
import { loadEvidence } from '../../evidence/export/load.js';
import { toSarifFromEvidence } from '../../evidence/export/sarif.js';
import { Ledger } from '../../evidence/ledger/ledger.js';
import { defaultEvidenceDir } from '../../evidence/ledger/paths.js';
import { verifyLedger, type LedgerVerification } from '../../evidence/ledger/verify.js';
import type { EvidenceOptions } from '../../evidence/record.js';
import { loadPrivateKey, loadPublicKey } from '../../evidence/signing/keys.js';
import { CavraError } from '../../scanner/errors.js';
import type { CommandModule } from '../command-module.js';
import { EXIT } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { VERSION } from '../version.js';

/** Control-plane flags shared by `evidence flush` and (via addEvidenceOptions) `scan`/`registry`. */
interface CpFlags {
  controlPlane?: string;
  controlPlaneTokenFile?: string;
  controlPlaneCa?: string;
  controlPlaneClientCert?: string;
  controlPlaneClientKey?: string;
  controlPlaneProxy?: string;
}

function addControlPlaneOptions(cmd: Command): Command {
  return cmd
    .option(
      '--control-plane <url>',
      'control-plane base URL; evidence is POSTed to {url}/v1/evidence (env CAVRA_CONTROL_PLANE_URL)',
    )
    .option(
      '--control-plane-token-file <file>',
      'bearer token file (env CAVRA_CONTROL_PLANE_TOKEN: the token or a file path)',
    )
    .option(
      '--control-plane-ca <file>',
      'CA bundle (PEM) to trust for the control plane (env CAVRA_CONTROL_PLANE_CA)',
    )
    .option(
      '--control-plane-client-cert <file>',
      'mTLS client certificate (PEM) (env CAVRA_CONTROL_PLANE_CLIENT_CERT)',
    )
    .option('--control-plane-client-key <file>', 'mTLS client key (PEM) (env CAVRA_CONTROL_PLANE_CLIENT_KEY)')
    .option(
      '--control-plane-proxy <url>',
      'HTTP(S) proxy (default: HTTPS_PROXY/NO_PROXY from the environment)',
    );
}

/** Add the evidence flags to a scanning command (`scan`, `registry`). */
export function addEvidenceOptions(cmd: Command): Command {
  return addControlPlaneOptions(
    cmd
      .option('--key <file>', 'evidence signing key, PEM or JWK (env CAVRA_SIGNING_KEY)')
      .option(
        '--evidence-dir <dir>',
        'evidence ledger directory (env CAVRA_EVIDENCE_DIR; default under $XDG_STATE_HOME)',
      )
      .option(
        '--model-signing-key <file>',
        'ECDSA P-256 key: also write OpenSSF model-signing bundles (env CAVRA_MODEL_SIGNING_KEY)',
      ),
  );
}

function controlPlaneOptions(o: CpFlags): ControlPlaneOptions {
  const out: ControlPlaneOptions = {};
  if (o.controlPlane) out.url = o.controlPlane;
  if (o.controlPlaneTokenFile) out.tokenFile = o.controlPlaneTokenFile;
  if (o.controlPlaneCa) out.caFile = o.controlPlaneCa;
  if (o.controlPlaneClientCert) out.clientCertFile = o.controlPlaneClientCert;
  if (o.controlPlaneClientKey) out.clientKeyFile = o.controlPlaneClientKey;
  if (o.controlPlaneProxy) out.proxyUrl = o.controlPlaneProxy;
  return out;
}

/** Turn parsed `addEvidenceOptions` flags into `openEvidence` options. */
export function evidenceOptionsFrom(
  o: CpFlags & { key?: string; evidenceDir?: string; modelSigningKey?: string },
  env: NodeJS.ProcessEnv,
): EvidenceOptions {
  const out: EvidenceOptions = { env, ...controlPlaneOptions(o) };
  if (o.key) out.keyFile = o.key;
  if (o.evidenceDir) out.evidenceDir = o.evidenceDir;
  if (o.modelSigningKey) out.modelSigningKeyFile = o.modelSigningKey;
  return out;
}

/** Repeatable option collector (`--public-key a --public-key b`), so a trailing [dir] is not swallowed. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Keys to verify with: --public-key files, else the public half of CAVRA_SIGNING_KEY, else none (ledger's own). */
function verificationKeys(files: string[] | undefined, env: NodeJS.ProcessEnv): KeyObject[] | undefined {
  if (files?.length) return files.map(loadPublicKey);
  if (env.CAVRA_SIGNING_KEY) return [createPublicKey(loadPrivateKey(env.CAVRA_SIGNING_KEY))];
  return undefined;
}

function report(v: LedgerVerification, dir: string, io: CliIO): number {
  if (v.problems.some((p) => p.code === 'LEDGER_MISSING'))
    throw new CavraError('NOT_FOUND', `no evidence ledger in ${dir}`);
  if (v.keysFromLedger)
    io.stderr(
      'note: verified with the public keys stored in the evidence directory; pass --public-key to verify against a key you trust\n',
    );
  for (const p of v.problems) {
    const where = p.seq !== undefined ? `record ${p.seq} (${p.file})` : p.file ? `file ${p.file}` : 'ledger';
    io.stdout(`FAIL ${where}: ${p.code}: ${p.message}\n`);
  }
  if (v.ok)
    io.stdout(
      `ok: ${v.records} records verified in ${dir} (signatures, hash chain, subjects, signed head)\n`,
    );
  else io.stdout(`FAILED: ${v.problems.length} problem(s) in ${v.records} records\n`);
  return v.ok ? EXIT.OK : EXIT.FINDINGS;
}

/** `cavra-scan evidence verify|flush|export`. */
export const evidenceCommand: CommandModule = {
  register(program: Command, io, done) {
    const ev = program
      .command('evidence')
      .description('verify, deliver and export the signed evidence ledger');
    const dirOf = (d: string | undefined) => d ?? defaultEvidenceDir(io.env);

    ev.command('verify')
      .description(
        'check every envelope signature, the hash chain, the subjects and the signed head; exit 0 only if all check out',
      )
      .argument('[dir]', 'evidence directory (default: $CAVRA_EVIDENCE_DIR or the state directory)')
      .option(
        '--public-key <file>',
        'trusted public key, repeatable (default: public half of $CAVRA_SIGNING_KEY, else keys stored in the ledger)',
        collect,
      )
      .option('--json', 'print the verification result as JSON')
      .action((d: string | undefined, o: { publicKey?: string[]; json?: boolean }) => {
        const dir = dirOf(d);
        const v = verifyLedger(dir, verificationKeys(o.publicKey, io.env));
        if (o.json) {
          io.stdout(JSON.stringify({ dir, ...v }) + '\n');
          return done(v.ok ? EXIT.OK : EXIT.FINDINGS);
        }
        done(report(v, dir, io));
      });

    addControlPlaneOptions(
      ev
        .command('flush')
        .description('deliver queued evidence to the control plane now')
        .argument('[dir]', 'evidence directory'),
    ).action(async (d: string | undefined, o: CpFlags) => {
      const cp = resolveControlPlane(controlPlaneOptions(o), io.env);
      if (!cp)
        throw new CavraError(
          'USAGE',
          'no control plane configured (--control-plane or CAVRA_CONTROL_PLANE_URL)',
        );
      const ledger = Ledger.open(dirOf(d));
      const transport = createHttpTransport(cp, io.env);
      try {
        const r = await flushOutbox(ledger, transport);
        io.stdout(
          `delivered ${r.delivered}, pending ${r.pending}, rejected ${r.rejected}${r.stoppedBy ? ` (stopped: ${r.stoppedBy})` : ''}\n`,
        );
        done(r.pending === 0 && r.rejected === 0 ? EXIT.OK : EXIT.INCONCLUSIVE);
      } finally {
        ledger.close();
        await transport.close();
      }
    });

    ev.command('export')
      .description(
        'export the evidence as CycloneDX 1.6 ML-BOM, SARIF 2.1.0, CSV or a compliance mapping report',
      )
      .argument('[dir]', 'evidence directory')
      .addOption(
        new Option('--format <format>', 'export format')
          .choices(['cyclonedx', 'sarif', 'csv', 'compliance'])
          .makeOptionMandatory(),
      )
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .option(
        '--public-key <file>',
        'trusted public key for the verification done before exporting (repeatable)',
        collect,
      )
      .action(
        (
          d: string | undefined,
          o: { format: 'cyclonedx' | 'sarif' | 'csv' | 'compliance'; output?: string; publicKey?: string[] },
        ) => {
          const dir = dirOf(d);
          const v = verifyLedger(dir, verificationKeys(o.publicKey, io.env));
          if (v.problems.some((p) => p.code === 'LEDGER_MISSING'))
            throw new CavraError('NOT_FOUND', `no evidence ledger in ${dir}`);
          if (!v.ok && o.format !== 'compliance') {
            io.stderr(
              `cavra-scan: the ledger in ${dir} does not verify (${v.problems.length} problems); run \`cavra-scan evidence verify\`\n`,
            );
            return done(EXIT.FINDINGS);
          }
          const entries = loadEvidence(dir);
          const doc =
            o.format === 'csv'
              ? toCsv(entries)
              : JSON.stringify(
                  o.format === 'cyclonedx'
                    ? toCycloneDx(entries, VERSION)
                    : o.format === 'sarif'
                      ? toSarifFromEvidence(entries, VERSION)
                      : toComplianceReport(entries, { verified: v.ok, problems: v.problems.length }, VERSION),
                  null,
                  2,
                ) + '\n';
          if (o.output) writeFileSync(o.output, doc);
          else io.stdout(doc);
          done(v.ok ? EXIT.OK : EXIT.FINDINGS);
        },
      );
  },
};
