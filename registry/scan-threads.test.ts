import { afterEach, describe, expect, it } from 'vitest';
import type { RemoteArtifact } from '../connectors/remote-artifact.js';
import { scanArtifact } from '../connectors/scan-reference.js';
import { EVIL_PICKLE } from '../connectors/testkit/fixtures.js';
import { HfServer } from '../connectors/testkit/hf-server.js';
import type { EgressRule } from '../evidence/emit/egress-policy.js';
import type { RegistryConfig } from './config-types.js';
import { openConnector } from './connect.js';
import { ScanThreads } from './scan-threads.js';
import { cleanWeights } from './testkit.js';

let server: HfServer | undefined;
let threads: ScanThreads | undefined;
afterEach(async () => {
  await threads?.close();
  await server?.close();
  threads = server = undefined;
});

async function hub(): Promise<{ config: RegistryConfig; files: RemoteArtifact[] }> {
  server = await HfServer.start({
    repos: [
      {
        id: 'acme/mixed',
        sha: 'a'.repeat(40),
        files: [
          { path: 'model.safetensors', bytes: cleanWeights(1), lfs: true },
          { path: 'evil.bin', bytes: EVIL_PICKLE, lfs: true },
        ],
      },
    ],
  });
  const config = {
    kind: 'huggingface',
    name: 'hf',
    endpoint: server.hub.url,
    scopes: [{ models: ['acme/mixed'] }],
  } as RegistryConfig;
  const connector = openConnector(config, {});
  const files: RemoteArtifact[] = [];
  for await (const v of connector.listVersions({ models: ['acme/mixed'] }))
    for await (const a of connector.listArtifacts(v, { models: ['acme/mixed'] })) files.push(a);
  await connector.close();
  return { config, files: files.sort((a, b) => a.path.localeCompare(b.path)) };
}

const rule = (url: string): EgressRule => {
  const u = new URL(url);
  return { protocol: 'http:', host: u.hostname, port: Number(u.port), purpose: 'registry' };
};

describe('scan threads (the registry job streams each artifact in a worker thread)', () => {
  it('gives the same results as an in-process scan, two artifacts at once on two threads', async () => {
    const { config, files } = await hub();
    threads = new ScanThreads(2, { registries: [config], env: {} });
    const outcomes = await Promise.all(
      files.map((artifact) => threads!.scan({ registry: 0, artifact, timeoutMs: 30_000 })),
    );
    const local = openConnector(config, {});
    for (const [i, a] of files.entries()) {
      const here = await scanArtifact(local, a);
      const there = outcomes[i]!;
      expect(there.timedOut).toBe(false);
      expect(there.result.sha256).toBe(here.sha256);
      expect(there.result.verdict).toBe(here.verdict);
      expect(there.result.findings.map((f) => f.ruleId)).toEqual(here.findings.map((f) => f.ruleId));
    }
    await local.close();
    expect(outcomes.map((o) => o.result.verdict)).toEqual(['malicious', 'clean']);
  });

  it('warm() starts every thread before the first scan, and scans then use them', async () => {
    const { config, files } = await hub();
    threads = new ScanThreads(2, { registries: [config], env: {} });
    expect(threads.started).toBe(0);
    threads.warm();
    expect(threads.started).toBe(2);
    threads.warm();
    expect(threads.started).toBe(2);
    const outcomes = await Promise.all(
      files.map((artifact) => threads!.scan({ registry: 0, artifact, timeoutMs: 30_000 })),
    );
    expect(outcomes.map((o) => o.result.verdict).sort()).toEqual(['clean', 'malicious']);
    expect(threads.started).toBe(2);
  });

  it('streams several files at once in one thread when there are more files in flight than threads', async () => {
    const { config, files } = await hub();
    threads = new ScanThreads(1, { registries: [config], env: {} });
    const twice = [...files, ...files];
    const outcomes = await Promise.all(
      twice.map((artifact) => threads!.scan({ registry: 0, artifact, timeoutMs: 30_000 })),
    );
    expect(outcomes.map((o) => o.result.verdict)).toEqual(['malicious', 'clean', 'malicious', 'clean']);
    expect(outcomes[0]!.result.sha256).toBe(outcomes[2]!.result.sha256);
    expect(outcomes[1]!.result.sha256).toBe(outcomes[3]!.result.sha256);
    expect(server!.cdn.requests).toHaveLength(4);
  });

  it('builds its connectors behind the run egress allowlist: a CDN not on it is never contacted', async () => {
    const { config, files } = await hub();
    threads = new ScanThreads(1, {
      registries: [config],
      env: {},
      retry: { attempts: 1 },
      egressRules: [rule(server!.hub.url)],
    });
    const { result } = await threads.scan({ registry: 0, artifact: files[1]!, timeoutMs: 30_000 });
    expect(result.verdict).toBe('inconclusive');
    expect(result.coverage.issues.map((i) => i.message).join(' ')).toMatch(/refused/);
    expect(server!.hub.seen(/\/resolve\//)).toHaveLength(1);
    expect(server!.cdn.requests).toHaveLength(0);
  });

  it('ends a scan at its timeout, and at once when cancelled, each as an inconclusive result', async () => {
    const { config, files } = await hub();
    server!.cdn.inject({ path: /./, times: 2, delayMs: 5_000 });
    threads = new ScanThreads(2, { registries: [config], env: {} });
    const started = performance.now();
    const timed = await threads.scan({ registry: 0, artifact: files[0]!, timeoutMs: 150 });
    expect(timed.timedOut).toBe(true);
    expect(timed.result.verdict).toBe('inconclusive');
    const pending = threads.scan({ registry: 0, artifact: files[1]!, timeoutMs: 30_000 });
    setTimeout(() => threads!.cancel(), 100);
    const cancelled = await pending;
    expect(cancelled.timedOut).toBe(false);
    expect(cancelled.result.verdict).toBe('inconclusive');
    expect(performance.now() - started).toBeLessThan(4_000);
  });

  it('a scan cut short by closing the threads is an INTERNAL_ERROR result, never lost', async () => {
    const { config, files } = await hub();
    server!.cdn.inject({ path: /./, times: 1, delayMs: 5_000 });
    threads = new ScanThreads(1, { registries: [config], env: {} });
    const pending = threads.scan({ registry: 0, artifact: files[0]!, timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 100));
    await threads.close();
    const { result } = await pending;
    expect(result.verdict).toBe('inconclusive');
    expect(result.coverage.issues[0]).toMatchObject({ code: 'INTERNAL_ERROR' });
    const after = await threads.scan({ registry: 0, artifact: files[0]!, timeoutMs: 30_000 });
    expect(after.result.coverage.issues[0]!.message).toMatch(/closed/);
  });
});
