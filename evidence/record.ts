import { buildEgressPolicy, egressEntriesFromEnv } from './emit/egress-allowlist.js';
import { flushWithEgressGuard } from './emit/egress-flush.js';
import type { EgressPolicy } from './emit/egress-policy.js';
import type { ArtifactResult } from '../scanner/result.js';
import { CavraError } from '../scanner/errors.js';
import { serializeEnvelope, signEnvelope } from './dsse/envelope.js';
import {
  resolveControlPlane,
  type ControlPlaneConfig,
  type ControlPlaneOptions,
} from './emit/control-plane.js';
import { flushOutbox, type FlushReport, type OutboxOptions } from './emit/outbox.js';
import { createHttpTransport, type Transport } from './emit/transport.js';
import { Ledger } from './ledger/ledger.js';
import { defaultEvidenceDir } from './ledger/paths.js';
import { signModelSigningBundle } from './model-signing/bundle.js';
import { modelSigningStatementFor } from './model-signing/from-results.js';
import { scannerVersion } from './scanner-info.js';
import { checkStatement } from './schemas/validate.js';
import { createKeySigner } from './signing/key-signer.js';
import { loadPrivateKey, resolveSigningKeyPath } from './signing/keys.js';
import type { Signer } from './signing/signer.js';
import { buildModelScanStatement } from './statement/build.js';
import { IN_TOTO_PAYLOAD_TYPE, type DecisionInput, type SourceInput } from './statement/types.js';

export interface EvidenceOptions extends ControlPlaneOptions {
  /** Signing key file (PEM/JWK); default env CAVRA_SIGNING_KEY. */
  keyFile?: string;
  /** Default env CAVRA_EVIDENCE_DIR, else the user's state directory. */
  evidenceDir?: string;
  /** ECDSA P-256/384/521 key for OpenSSF model-signing bundles; default env CAVRA_MODEL_SIGNING_KEY. */
  modelSigningKeyFile?: string;
  env: NodeJS.ProcessEnv;
  rulesVersion?: string;
  /** Replaces the key-file signer (e.g. a KMS signer). */
  signer?: Signer;
  /** The run's egress allowlist; default: the control plane, its proxy and CAVRA_EGRESS_ALLOW / _PIN entries. */
  egress?: EgressPolicy;
  /** Replaces the HTTP transport (tests). */
  transport?: Transport;
  outbox?: OutboxOptions;
  now?: () => Date;
}

export interface RecordedEvidence {
  seq: number;
  file: string;
  /** SHA-256 of the stored envelope (also its delivery Idempotency-Key). */
  digest: string;
  subjects: number;
  modelSigning?: { seq: number; file: string };
  /** Why no model-signing bundle was written although a model-signing key is configured. */
  modelSigningSkipped?: string;
}

export interface EvidenceSession {
  readonly dir: string;
  readonly keyid: string;
  readonly controlPlane: boolean;
  /** Sign and durably store the attestation for one scanned model version. */
  record(
    results: readonly ArtifactResult[],
    decision: DecisionInput | undefined,
    source: SourceInput,
  ): Promise<RecordedEvidence>;
  /** Deliver everything queued (this run's and earlier runs'); no-op without a control plane. */
  flush(): Promise<FlushReport>;
  close(): Promise<void>;
}

/** The allowlist when only evidence delivery needs the network: the control plane and its proxy. */
function controlPlaneEgress(cp: ControlPlaneConfig, env: NodeJS.ProcessEnv): EgressPolicy {
  const proxy = cp.proxyUrl ?? env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  return buildEgressPolicy({
    registries: [],
    controlPlane: cp.endpoint,
    ...(proxy ? { proxy } : {}),
    extra: egressEntriesFromEnv(env),
    pinned: egressEntriesFromEnv(env, 'CAVRA_EGRESS_PIN'),
  });
}

/**
 * Open the evidence session for a run. Keys and configuration are checked first, so a missing or invalid key
 * fails with CavraError KEY_INVALID before any scan work; then the ledger is opened (and recovered).
 */
export async function openEvidence(options: EvidenceOptions): Promise<EvidenceSession> {
  const env = options.env;
  const signer =
    options.signer ?? createKeySigner(loadPrivateKey(resolveSigningKeyPath(options.keyFile, env)));
  const msPath = options.modelSigningKeyFile ?? env.CAVRA_MODEL_SIGNING_KEY;
  const msSigner = msPath ? createKeySigner(loadPrivateKey(msPath)) : undefined;
  if (msSigner?.algorithm === 'ed25519')
    throw new CavraError(
      'KEY_INVALID',
      `model-signing key ${msPath} must be ECDSA P-256/384/521 (model_signing cannot verify Ed25519)`,
    );
  const cp = resolveControlPlane(options, env);
  const now = options.now ?? (() => new Date());
  const dir = options.evidenceDir ?? defaultEvidenceDir(env);
  const ledger = Ledger.open(dir, now);
  ledger.storePublicKey(signer);
  if (msSigner) ledger.storePublicKey(msSigner);
  // Evidence may only go to the configured control plane (and its proxy): checked before any connection.
  const egress = cp ? (options.egress ?? controlPlaneEgress(cp, env)) : undefined;
  const transport = options.transport ?? (cp ? createHttpTransport(cp, env, egress) : undefined);
  const scanner = {
    name: 'cavra-scan',
    version: scannerVersion(),
    rulesVersion: options.rulesVersion ?? scannerVersion(),
  };

  return {
    dir,
    keyid: signer.keyid,
    controlPlane: transport !== undefined,
    async record(results, decision, source) {
      const statement = buildModelScanStatement(results, decision, source, scanner, now());
      const valid = checkStatement(statement);
      if (!valid.ok)
        throw new CavraError('INTERNAL', `attestation does not match its schema: ${valid.error}`);
      const env = await signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), [
        signer,
      ]);
      const row = await ledger.append(
        {
          kind: 'scan',
          bytes: serializeEnvelope(env),
          subjects: statement.subject,
          source: statement.predicate.source.reference,
        },
        signer,
      );
      const out: RecordedEvidence = {
        seq: row.seq,
        file: row.file,
        digest: row.envelopeSha256,
        subjects: statement.subject.length,
      };
      if (msSigner) {
        const ms = modelSigningStatementFor(results, source);
        if ('skipped' in ms) out.modelSigningSkipped = ms.skipped;
        else {
          const bundle = await signModelSigningBundle(ms.statement, msSigner);
          const bytes = Buffer.from(JSON.stringify(bundle) + '\n', 'utf8');
          const msRow = await ledger.append(
            {
              kind: 'model-signing',
              bytes,
              subjects: ms.statement.subject,
              source: statement.predicate.source.reference,
            },
            signer,
          );
          out.modelSigning = { seq: msRow.seq, file: msRow.file };
        }
      }
      return out;
    },
    async flush() {
      if (!transport) return { delivered: 0, pending: ledger.countPending(), rejected: 0 };
      if (cp && egress) return flushWithEgressGuard(ledger, transport, egress, cp.endpoint, options.outbox);
      return flushOutbox(ledger, transport, options.outbox);
    },
    async close() {
      ledger.close();
      await transport?.close();
    },
  };
}
