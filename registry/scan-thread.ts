import { parentPort, workerData } from 'node:worker_threads';
import type { Connector } from '../connectors/connector.js';
import { failedResult } from '../connectors/failed-result.js';
import { scanArtifact } from '../connectors/scan-reference.js';
import { egressPolicyOf } from '../evidence/emit/egress-allowlist.js';
import type { ArtifactResult } from '../scanner/result.js';
import { openConnector } from './connect.js';
import type { FromScanThread, ScanJob, ScanThreadInit, ToScanThread } from './scan-thread-protocol.js';

/*
 * A scan thread of the registry job (registry/scan-threads.ts starts them): it builds the run's connectors from
 * the configuration, behind the run's egress allowlist, and streams the artifacts it is sent, one pass each
 * (download, hash, scan), posting back plain results. Each thread has its own event loop, so `--concurrency N`
 * spreads the per-byte work (HTTP bodies, SHA-256, detectors) over N cores.
 */

const init = workerData as ScanThreadInit;
const port = parentPort!;
const egress = init.egressRules ? egressPolicyOf(init.egressRules) : undefined;
const connectors = new Map<number, Connector>();
const running = new Set<AbortController>();

function connectorFor(index: number): Connector {
  let c = connectors.get(index);
  if (!c) {
    c = openConnector(init.registries[index]!, init.env, init.retry, egress);
    connectors.set(index, c);
  }
  return c;
}

async function scan(job: ScanJob): Promise<void> {
  const cancel = new AbortController();
  running.add(cancel);
  const timeout = AbortSignal.timeout(job.timeoutMs);
  let result: ArtifactResult;
  try {
    result = await scanArtifact(connectorFor(job.registry), job.artifact, {
      ...(job.extensions ? { extensions: job.extensions } : {}),
      ...(job.limits ? { limits: job.limits } : {}),
      ...(init.retry ? { retry: init.retry } : {}),
      signal: AbortSignal.any([cancel.signal, timeout]),
    });
  } catch (err) {
    result = failedResult(job.artifact.reference, err);
  } finally {
    running.delete(cancel);
  }
  const message: FromScanThread = { op: 'done', id: job.id, outcome: { result, timedOut: timeout.aborted } };
  port.postMessage(message);
}

port.on('message', (m: ToScanThread) => {
  if (m.op === 'scan') void scan(m.job);
  else for (const c of running) c.abort();
});
