import { existsSync } from 'node:fs';
import type { Env } from '../connectors/connector-factory.js';
import type { EgressPolicy } from '../evidence/emit/egress-policy.js';
import type { EvidenceSession } from '../evidence/record.js';
import type { ResolvedPolicy } from '../scanner/policy/types.js';
import { DEFAULT_JOB_LIMITS, type RegistryJobConfig } from './config-types.js';
import { openConnector } from './connect.js';
import type { RunContext, RunLimits } from './context.js';
import type { EventSink } from './events.js';
import { finishVersion } from './finish-version.js';
import { plan, type OpenRegistry } from './planner.js';
import { Pool } from './pool.js';
import { ScanThreads } from './scan-threads.js';
import { cpuBudget } from './cpu-budget.js';
import type { Shard } from './shard.js';
import { RegistryState } from './state.js';
import { Tally, type RunSummary } from './summary.js';
import { dispatchVersion } from './version-job.js';
import { failureOf } from './failure.js';

export interface RegistryRunOptions {
  config: RegistryJobConfig;
  policy: ResolvedPolicy;
  rulesVersion: string;
  shard: Shard;
  /** SQLite state file of this shard. */
  stateFile: string;
  evidence?: EvidenceSession;
  concurrency: number;
  /** Most scan threads (default: `cpuBudget()`, the CPUs the container may use). */
  threads?: number;
  dryRun: boolean;
  /** Environment the connectors read (process.env in the CLI). */
  env: Env;
  /** The job's egress allowlist (`registryEgressPolicy`); every connector request is checked against it. */
  egress?: EgressPolicy;
  emit: EventSink;
  signal?: AbortSignal;
  now?: () => Date;
}

export function runLimits(config: RegistryJobConfig): RunLimits {
  const l = config.limits;
  return {
    ...(l.maxFileBytes !== undefined ? { maxFileBytes: l.maxFileBytes } : {}),
    ...(l.maxDepth !== undefined ? { maxDepth: l.maxDepth } : {}),
    artifactTimeoutMs: (l.artifactTimeoutSeconds ?? DEFAULT_JOB_LIMITS.artifactTimeoutSeconds) * 1000,
    maxVersionsPerScope: l.maxVersionsPerScope ?? DEFAULT_JOB_LIMITS.maxVersionsPerScope,
    maxArtifactsPerVersion: l.maxArtifactsPerVersion ?? DEFAULT_JOB_LIMITS.maxArtifactsPerVersion,
  };
}

/**
 * One run of the registry job for one shard: walk every configured registry and scope, reuse stored results for
 * unchanged files, scan the rest with bounded concurrency, decide each version under the policy and record its
 * evidence. Registry failures are reported per scope, version or file and the run goes on; the summary's exit code
 * says when the run was partial. Configuration problems throw CavraError before any request is made.
 */
export async function runRegistryJob(o: RegistryRunOptions): Promise<RunSummary> {
  const started = performance.now();
  const now = o.now ?? (() => new Date());
  const registries: OpenRegistry[] = o.config.registries.map((config, index) => ({
    config,
    index,
    connector: openConnector(config, o.env, o.config.retry, o.egress),
  }));
  let state: RegistryState | undefined;
  const tally = new Tally();
  // As many threads as files in flight, but never more than the CPUs the container may use: each thread is an
  // isolate (50-75 MB), and a thread streams several files at once when the concurrency is higher.
  const threads = new ScanThreads(Math.min(o.concurrency, o.threads ?? cpuBudget()), {
    registries: o.config.registries,
    env: { ...o.env },
    ...(o.config.retry ? { retry: o.config.retry } : {}),
    ...(o.egress ? { egressRules: [...o.egress.rules] } : {}),
  });
  if (!o.dryRun) threads.warm();
  const cancel = () => threads.cancel();
  o.signal?.addEventListener('abort', cancel, { once: true });
  try {
    state = o.dryRun && !existsSync(o.stateFile) ? undefined : RegistryState.open(o.stateFile);
    const runId = o.dryRun ? undefined : state?.startRun(o.shard, now());
    let chain: Promise<unknown> = Promise.resolve();
    const ctx: RunContext = {
      policy: o.policy,
      rulesVersion: o.rulesVersion,
      state,
      evidence: o.dryRun ? undefined : o.evidence,
      pool: new Pool(o.concurrency),
      threads,
      limits: runLimits(o.config),
      ...(o.config.retry ? { retry: o.config.retry } : {}),
      dryRun: o.dryRun,
      emit: o.emit,
      tally,
      ...(o.signal ? { signal: o.signal } : {}),
      now,
      serial<T>(task: () => Promise<T>): Promise<T> {
        const next = chain.then(task, task);
        chain = next.catch(() => undefined);
        return next;
      },
    };
    o.emit({
      event: 'start',
      shard: `${o.shard.index}/${o.shard.count}`,
      registries: registries.length,
      concurrency: o.concurrency,
      dryRun: o.dryRun,
      state: state ? o.stateFile : null,
    });

    // Versions being finished (decided, evidence recorded) while later ones are listed and scanned.
    const pending = new Set<Promise<void>>();
    const track = (p: Promise<void>, reference: string, registry: string) => {
      const q = p.catch((err: unknown) => tally.fail({ reference, registry, ...failureOf(err) }));
      pending.add(q);
      void q.finally(() => pending.delete(q));
    };
    const maxPending = Math.max(8, o.concurrency * 8);
    for await (const item of plan(registries, o.shard, ctx.limits.maxVersionsPerScope, o.signal)) {
      const name = item.unit.registry.config.name;
      if (item.type === 'failure') {
        if (o.dryRun) {
          const f = failureOf(item.error);
          tally.fail({ reference: item.reference, registry: name, ...f });
          o.emit({ event: 'error', reference: item.reference, registry: name, ...f });
        } else {
          const scope = { registry: item.unit.registry.config.kind, model: item.reference };
          track(
            finishVersion(ctx, item.unit, {
              reference: item.reference,
              scope,
              startedAt: now(),
              failure: item.error,
            }),
            item.reference,
            name,
          );
        }
      } else {
        const { done } = await dispatchVersion(ctx, item.unit, item.version);
        track(done, item.version.reference, name);
      }
      while (pending.size > maxPending) await Promise.race(pending);
    }
    await Promise.all(pending);

    if (ctx.evidence) {
      try {
        tally.pending = (await ctx.evidence.flush()).pending;
      } catch {
        tally.pending = null; // still durable in the ledger; delivered by a later run or `evidence flush`
      }
    }
    const summary = tally.summary(o.shard, registries.length, o.dryRun, started);
    if (runId !== undefined) state?.finishRun(runId, summary, now());
    o.emit({ event: 'summary', summary });
    return summary;
  } finally {
    o.signal?.removeEventListener('abort', cancel);
    await threads.close();
    state?.close();
    await Promise.all(registries.map((r) => r.connector.close().catch(() => undefined)));
  }
}
