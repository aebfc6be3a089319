import type { Connector } from '../../connectors/connector.js';
import { resolveReference } from '../../connectors/index.js';
import { scanScope } from '../../connectors/scan-reference.js';
import type { Scope } from '../../connectors/scope.js';
import { resolveControlPlane, type ControlPlaneConfig } from '../../evidence/emit/control-plane.js';
import { buildEgressPolicy, egressEntriesFromEnv } from '../../evidence/emit/egress-allowlist.js';
import { flushWithEgressGuard } from '../../evidence/emit/egress-flush.js';
import type { EgressRule } from '../../evidence/emit/egress-policy.js';
import type { FlushReport } from '../../evidence/emit/outbox.js';
import { createHttpTransport } from '../../evidence/emit/transport.js';
import { Ledger } from '../../evidence/ledger/ledger.js';
import { openEvidence } from '../../evidence/record.js';
import { createKeySigner } from '../../evidence/signing/key-signer.js';
import { loadPrivateKey } from '../../evidence/signing/keys.js';
import { CavraError } from '../../scanner/errors.js';
import { scanPaths } from '../../scanner/local/scan-paths.js';
import type { ArtifactResult } from '../../scanner/result.js';

/** One egress-test run: what a `registry` run with evidence delivery is configured with. */
export interface RegistryRunConfig {
  /** Registry references (`hf://org/repo`, `models:/name/1`, ...). */
  references?: string[];
  /** Local files/folders (the offline case). */
  localPaths?: string[];
  /** Registry configuration (HF_ENDPOINT, MLFLOW_TRACKING_URI, ...), CAVRA_EGRESS_ALLOW / CAVRA_EGRESS_PIN. */
  env: Record<string, string>;
  /** Control-plane base URL; evidence stays local without it. */
  controlPlane?: string;
  /**
   * Test-only: talk plain HTTP to a control plane that is not on loopback (the packet-layer test, whose capture
   * must read payloads). Production refuses this (`resolveControlPlane`: https, or http to loopback only).
   */
  plainHttpControlPlane?: boolean;
  /** Evidence signing key (PEM). */
  keyFile: string;
  evidenceDir: string;
}

export interface RunArtifact {
  path: string;
  verdict: string;
  size: number;
  sha256: string | null;
  rules: string[];
}

export interface RegistryRunSummary {
  artifacts: RunArtifact[];
  egress: EgressRule[];
  records: number;
  flush?: FlushReport;
  error?: { code: string; message: string };
}

function controlPlaneOf(cfg: RegistryRunConfig): ControlPlaneConfig | null {
  if (!cfg.controlPlane) return null;
  if (!cfg.plainHttpControlPlane)
    return resolveControlPlane({ url: cfg.controlPlane, timeoutMs: 10_000 }, {});
  const base = new URL(cfg.controlPlane);
  return {
    endpoint: new URL(base.pathname.replace(/\/+$/, '') + '/v1/evidence', base),
    token: null,
    timeoutMs: 10_000,
  };
}

const summarize = (r: ArtifactResult): RunArtifact => ({
  path: r.path,
  verdict: r.verdict,
  size: r.size,
  sha256: r.sha256,
  rules: r.findings.map((f) => f.ruleId),
});

/**
 * A full run as the `registry` command does it: resolve the references, build the egress allowlist from the
 * configuration (refused before any request when it does not fit the pin), scan every artifact by streaming it
 * from the registry, sign and store one attestation per reference, then deliver through the egress guard.
 */
export async function registryRun(cfg: RegistryRunConfig): Promise<RegistryRunSummary> {
  const summary: RegistryRunSummary = { artifacts: [], egress: [], records: 0 };
  const opened: { ref: string; connector: Connector; scope: Scope }[] = [];
  try {
    for (const ref of cfg.references ?? [])
      opened.push({
        ref,
        ...resolveReference(ref, { env: cfg.env, retry: { attempts: 2, baseMs: 1, maxMs: 5 } }),
      });
    const cp = controlPlaneOf(cfg);
    const pin = egressEntriesFromEnv(cfg.env, 'CAVRA_EGRESS_PIN');
    const policy = buildEgressPolicy({
      registries: opened.map((o) => o.connector.endpoint),
      controlPlane: cp?.endpoint ?? null,
      extra: egressEntriesFromEnv(cfg.env),
      pinned: pin,
    });
    summary.egress = [...policy.rules];

    const signer = createKeySigner(loadPrivateKey(cfg.keyFile));
    const session = await openEvidence({ env: {}, evidenceDir: cfg.evidenceDir, signer });
    try {
      for (const o of opened) {
        const results: ArtifactResult[] = [];
        for await (const r of scanScope(o.connector, o.scope, o.ref)) results.push(r);
        summary.artifacts.push(...results.map(summarize));
        await session.record(results, undefined, { reference: o.ref, registry: o.connector.registry });
        summary.records++;
      }
      for (const p of cfg.localPaths ?? []) {
        const results: ArtifactResult[] = [];
        for await (const r of scanPaths([p])) results.push(r);
        summary.artifacts.push(...results.map(summarize));
        await session.record(results, undefined, { reference: p, registry: 'local' });
        summary.records++;
      }
    } finally {
      await session.close();
    }

    if (cp) {
      const ledger = Ledger.open(cfg.evidenceDir);
      const transport = createHttpTransport(cp, {});
      try {
        summary.flush = await flushWithEgressGuard(ledger, transport, policy, cp.endpoint, {
          retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 1000 },
        });
      } finally {
        ledger.close();
        await transport.close();
      }
    }
  } catch (err) {
    const e = err as CavraError;
    summary.error = { code: err instanceof CavraError ? e.code : 'INTERNAL', message: e.message };
  } finally {
    await Promise.all(opened.map((o) => o.connector.close()));
  }
  return summary;
}
