import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseDuration } from '../../gate/duration.js';
import { runGate } from '../../gate/engine.js';
import { openLedgerStore } from '../../gate/evidence/ledger-store.js';
import type { EvidenceStore } from '../../gate/ports.js';
import { checkServeToken } from '../../gate/server/auth.js';
import { listen } from '../../gate/server/listen.js';
import { mlflowTagWriter } from '../../gate/server/mlflow-tags.js';
import { GateService } from '../../gate/server/service.js';
import { sourceOpener } from '../../gate/sources/open-source.js';
import { CavraError } from '../../scanner/errors.js';
import { policyFromEnv } from '../../scanner/policy/cli-support.js';
import { bundledPolicyNames, loadPolicy } from '../../scanner/policy/load.js';
import type { CommandModule } from '../command-module.js';
import { EXIT } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { parseAttempts } from './gate.js';

export interface ServeCliOptions {
  host: string;
  port: string;
  tokenFile?: string;
  policy?: string;
  maxAge: string;
  key?: string;
  evidenceDir?: string;
  evidence: boolean;
  controlPlaneTokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  mlflowWebhookSecretFile?: string;
  mlflowWriteback?: boolean;
  maxBodyBytes: string;
  gateTimeout: string;
  shutdownGrace: string;
  flushInterval: string;
  registryAttempts?: string;
}

const HELP = `
Routes: GET /healthz and GET /readyz (no token); GET /metrics and POST /v1/gate {"reference": "...", "policy"?: "<bundled
pack>"} need "Authorization: Bearer <token>" (--token-file or $CAVRA_SERVE_TOKEN); POST /v1/webhooks/mlflow is
authenticated by MLflow's HMAC signature (--mlflow-webhook-secret-file or $CAVRA_MLFLOW_WEBHOOK_SECRET) and gates
model_version_alias.created and model_version_tag.set events (--mlflow-writeback tags the version with the answer).
A gate answer that cannot be decided is a block (400 bad reference, 404 unknown, 502 registry down, 504 timeout).
SIGTERM: stop accepting, finish every in-flight request and webhook job, flush evidence, exit 0.`;

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new CavraError(
      'CONFIG_INVALID',
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function intOption(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CavraError('USAGE', `${flag} takes an integer from ${min} to ${max}, got '${text}'`);
  return n;
}

/** `cavra-scan serve`: the promotion gate as an HTTP service, with the MLflow webhook receiver. */
export const serveCommand: CommandModule = {
  register(program: Command, io, done) {
    program
      .command('serve')
      .description(
        'run the promotion gate as an HTTP service (POST /v1/gate, MLflow webhooks, /healthz, /readyz, /metrics)',
      )
      .option('--host <address>', 'address to bind', '127.0.0.1')
      .option('--port <port>', 'port to bind (0 = any free port)', '8080')
      .option(
        '--token-file <file>',
        'file holding the bearer token clients must send (default: $CAVRA_SERVE_TOKEN)',
      )
      .option('-p, --policy <name|file>', 'default policy (default: $CAVRA_SCAN_POLICY or baseline)')
      .option('--max-age <duration>', 'reuse signed evidence younger than this (0 never)', '24h')
      .option('--key <file>', 'evidence signing key (default: $CAVRA_SIGNING_KEY)')
      .option('--evidence-dir <dir>', 'evidence ledger (default: $CAVRA_EVIDENCE_DIR or the state directory)')
      .option(
        '--no-evidence',
        'run without signed evidence (no reuse, no records; /readyz still answers ready)',
      )
      .option('--control-plane-token-file <file>', 'control-plane token (with $CAVRA_CONTROL_PLANE_URL)')
      .option('--tls-cert <file>', 'PEM certificate chain: serve HTTPS (with --tls-key)')
      .option('--tls-key <file>', 'PEM private key for --tls-cert')
      .option(
        '--mlflow-webhook-secret-file <file>',
        'enable POST /v1/webhooks/mlflow with this webhook secret',
      )
      .option('--mlflow-writeback', 'tag gated versions with the answer via $MLFLOW_TRACKING_URI (set-tag)')
      .option('--max-body-bytes <n>', 'largest request body', String(64 * 1024))
      .option('--gate-timeout <duration>', 'longest one gate run may take (then: block, 504)', '15m')
      .option(
        '--shutdown-grace <duration>',
        'how long SIGTERM waits for in-flight scans before stopping them',
        '25s',
      )
      .option(
        '--flush-interval <duration>',
        'how often queued evidence is delivered to the control plane',
        '60s',
      )
      .option('--registry-attempts <n>', 'attempts per registry call (default 5)')
      .addHelpText('after', HELP)
      .action(async (opts: ServeCliOptions) => done(await runServe(opts, io)));
  },
};

export async function runServe(opts: ServeCliOptions, io: CliIO, stop?: AbortSignal): Promise<number> {
  const port = intOption(opts.port, '--port', 0, 65535);
  const maxAgeMs = parseDuration(opts.maxAge);
  const gateTimeoutMs = parseDuration(opts.gateTimeout, '--gate-timeout');
  const graceMs = parseDuration(opts.shutdownGrace, '--shutdown-grace');
  const flushMs = Math.max(1000, parseDuration(opts.flushInterval, '--flush-interval'));
  const maxBodyBytes = intOption(opts.maxBodyBytes, '--max-body-bytes', 1024, 16 * 1024 * 1024);
  const attempts = parseAttempts(opts.registryAttempts);
  const token = checkServeToken(
    opts.tokenFile ? readSecretFile(opts.tokenFile, 'serve token file') : (io.env.CAVRA_SERVE_TOKEN ?? ''),
  );
  if (!token)
    throw new CavraError(
      'CONFIG_INVALID',
      'serve needs a bearer token of at least 16 printable characters: --token-file or $CAVRA_SERVE_TOKEN',
    );
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey))
    throw new CavraError('USAGE', '--tls-cert and --tls-key go together');
  const tls =
    opts.tlsCert && opts.tlsKey
      ? {
          cert: Buffer.from(readSecretFile(opts.tlsCert, 'TLS certificate')),
          key: Buffer.from(readSecretFile(opts.tlsKey, 'TLS key')),
        }
      : undefined;
  const secret = opts.mlflowWebhookSecretFile
    ? readSecretFile(opts.mlflowWebhookSecretFile, 'MLflow webhook secret')
    : io.env.CAVRA_MLFLOW_WEBHOOK_SECRET;
  if (secret !== undefined && secret.length < 8)
    throw new CavraError('CONFIG_INVALID', 'the MLflow webhook secret is shorter than 8 characters');
  if (opts.mlflowWriteback && !io.env.MLFLOW_TRACKING_URI)
    throw new CavraError('CONFIG_INVALID', '--mlflow-writeback needs $MLFLOW_TRACKING_URI');
  const policy = loadPolicy(policyFromEnv(opts.policy, io.env));

  let evidence: EvidenceStore | undefined;
  if (opts.evidence) {
    evidence = await openLedgerStore({
      env: io.env,
      ...(opts.key ? { keyFile: opts.key } : {}),
      ...(opts.evidenceDir ? { evidenceDir: opts.evidenceDir } : {}),
      ...(opts.controlPlaneTokenFile ? { tokenFile: opts.controlPlaneTokenFile } : {}),
    });
  }
  let evidenceOpen = evidence !== undefined;
  const openSource = sourceOpener({
    env: io.env,
    allowLocal: false,
    ...(attempts ? { retry: { attempts } } : {}),
  });
  const service = new GateService({
    token,
    defaultPolicy: policy,
    resolvePolicy(name) {
      if (!bundledPolicyNames().includes(name))
        throw new Error(
          `unknown policy '${name.slice(0, 64)}' (bundled packs: ${bundledPolicyNames().join(', ')})`,
        );
      return loadPolicy(name);
    },
    runGate: (call) =>
      runGate(
        {
          reference: call.reference,
          policy: call.policy,
          maxAgeMs,
          ...(call.scope ? { scope: call.scope } : {}),
          signal: call.signal,
        },
        { openSource, ...(evidence ? { evidence } : {}) },
      ),
    ready: () => (!opts.evidence || evidenceOpen ? null : 'evidence ledger is closed'),
    evidencePending: () => (evidence ? evidence.pending() : 0),
    ...(secret
      ? {
          mlflow: {
            secret,
            ...(opts.mlflowWriteback
              ? {
                  writer: mlflowTagWriter({
                    trackingUri: io.env.MLFLOW_TRACKING_URI!,
                    ...(io.env.MLFLOW_TRACKING_TOKEN ? { token: io.env.MLFLOW_TRACKING_TOKEN } : {}),
                    ...(io.env.MLFLOW_TRACKING_USERNAME
                      ? {
                          username: io.env.MLFLOW_TRACKING_USERNAME,
                          password: io.env.MLFLOW_TRACKING_PASSWORD ?? '',
                        }
                      : {}),
                  }),
                }
              : {}),
          },
        }
      : {}),
    limits: { maxBodyBytes, gateTimeoutMs },
    onEvent: (e) => io.stderr(`cavra-scan: ${e.level === 'warn' ? 'warning: ' : ''}${e.message}\n`),
  });

  let flushing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> =>
    (flushing = flushing
      .then(() => evidence?.flush())
      .catch((err: unknown) =>
        io.stderr(`cavra-scan: warning: evidence delivery: ${(err as Error).message}\n`),
      ));
  const listening = await listen(service, { host: opts.host, port, ...(tls ? { tls } : {}) });
  const timer = evidence ? setInterval(() => void flush(), flushMs) : undefined;
  timer?.unref();
  io.stderr(
    `cavra-scan: serving on ${listening.url} (policy ${policy.id}, evidence ${evidence ? 'on' : 'off'}, MLflow webhook ${secret ? 'on' : 'off'})\n`,
  );

  await new Promise<void>((resolve) => {
    const onSignal = (): void => resolve();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    stop?.addEventListener('abort', onSignal, { once: true });
  });
  io.stderr('cavra-scan: shutting down: finishing in-flight requests\n');
  await listening.shutdown(graceMs);
  if (timer) clearInterval(timer);
  await flush();
  evidenceOpen = false;
  await evidence?.close();
  io.stderr('cavra-scan: stopped\n');
  return EXIT.OK;
}
