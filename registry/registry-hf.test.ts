import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../cli/main.js';
import { CONFIG_JSON, EVIL_PICKLE } from '../connectors/testkit/fixtures.js';
import { HfServer, type HfRepo } from '../connectors/testkit/hf-server.js';
import { captureIO } from '../test-support/capture-io.js';
import { artifacts, cleanWeights, runRegistry, statements, workspace, writeConfig } from './testkit.js';

const SHA = (c: string) => c.repeat(40);

function repos(): HfRepo[] {
  return [
    {
      id: 'acme/bert',
      sha: SHA('a'),
      files: [
        { path: 'config.json', bytes: CONFIG_JSON },
        { path: 'model.safetensors', bytes: cleanWeights(1), lfs: true },
      ],
    },
    { id: 'acme/evil', sha: SHA('b'), files: [{ path: 'weights/model.bin', bytes: EVIL_PICKLE, lfs: true }] },
    {
      id: 'other/x',
      sha: SHA('c'),
      files: [{ path: 'model.safetensors', bytes: cleanWeights(2), lfs: true }],
    },
  ];
}

let server: HfServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Requests that read artifact bytes: hub resolve (small files, LFS redirects) and every CDN request. */
const downloads = (s: HfServer) => s.hub.seen(/\/resolve\//).length + s.cdn.requests.length;

describe('cavra-scan registry against a local Hugging Face hub', () => {
  it('lists, streams, scans, decides and records evidence; a second run downloads nothing; a change is rescanned', async () => {
    server = await HfServer.start({ repos: repos(), tokens: ['hf_ok'], pageSize: 1, treePageSize: 1 });
    const ws = await workspace();
    const config = writeConfig(
      ws.root,
      `registries:
  - kind: huggingface
    endpoint: ${server.url}
    token: { env: TEST_HF_TOKEN }
    scopes:
      - owner: acme
policy: baseline
concurrency: 2
retry: { attempts: 2, baseMs: 1, maxMs: 5 }
`,
    );
    const args = [
      '--config',
      config,
      '--key',
      ws.key,
      '--evidence-dir',
      ws.evidence,
      '--state-dir',
      ws.state,
    ];
    // LFS downloads redirect to the test CDN, a second origin: allow-listed as an operator would.
    const env = { TEST_HF_TOKEN: 'hf_ok', CAVRA_EGRESS_ALLOW: server.cdn.url };

    const first = await runRegistry(args, env);
    expect(first.code).toBe(1); // acme/evil is blocked on its own merits
    expect(artifacts(first, 'scanned')).toEqual([
      `hf://acme/bert@${SHA('a')}/config.json`,
      `hf://acme/bert@${SHA('a')}/model.safetensors`,
      `hf://acme/evil@${SHA('b')}/weights/model.bin`,
    ]);
    expect(first.summary).toMatchObject({
      models: 2,
      versions: 2,
      artifacts: { listed: 3, scanned: 3, skipped: 0, failed: 0 },
      decisions: { block: 1 },
      evidence: { recorded: 2, unchanged: 0 },
      partial: false,
    });
    expect(first.summary.bytesRead).toBe(CONFIG_JSON.length + cleanWeights(1).length + EVIL_PICKLE.length);
    const st = statements(ws.evidence);
    expect(st.map((s) => (s.predicate.source as { reference: string }).reference).sort()).toEqual([
      `hf://acme/bert@${SHA('a')}`,
      `hf://acme/evil@${SHA('b')}`,
    ]);
    const evil = st.find((s) => (s.predicate.source as { reference: string }).reference.includes('evil'))!;
    expect(evil.predicate.decision).toBe('block');
    expect((evil.predicate.source as { digest: string }).digest).toMatch(/^listing-sha256:/);
    // The token went to the hub only, never to the CDN.
    expect(server.hub.requests.every((r) => r.headers.authorization === 'Bearer hf_ok')).toBe(true);
    expect(server.cdn.requests.every((r) => r.headers.authorization === undefined)).toBe(true);

    const before = downloads(server);
    expect(before).toBeGreaterThan(0);
    const second = await runRegistry(args, env);
    expect(downloads(server)).toBe(before); // not one artifact byte requested
    expect(second.code).toBe(1); // the stored results are decided again
    expect(second.summary).toMatchObject({
      artifacts: { listed: 3, scanned: 0, skipped: 3, failed: 0 },
      bytesRead: 0,
      evidence: { recorded: 0, unchanged: 2 },
    });
    expect(statements(ws.evidence)).toHaveLength(2);

    // A new commit: config.json changes, the weights (same sha256) do not.
    const bert = server.options.repos[0]!;
    bert.sha = SHA('d');
    bert.files[0] = { path: 'config.json', bytes: new TextEncoder().encode('{"hidden_size":16}\n') };
    const third = await runRegistry(args, env);
    expect(artifacts(third, 'scanned')).toEqual([`hf://acme/bert@${SHA('d')}/config.json`]);
    expect(artifacts(third, 'skipped')).toEqual([
      `hf://acme/bert@${SHA('d')}/model.safetensors`,
      `hf://acme/evil@${SHA('b')}/weights/model.bin`,
    ]);
    expect(third.summary.evidence).toMatchObject({ recorded: 1, unchanged: 1 });
    const newest = statements(ws.evidence).find(
      (s) => (s.predicate.source as { reference: string }).reference === `hf://acme/bert@${SHA('d')}`,
    )!;
    expect(newest.subject).toHaveLength(2); // the reused weights are attested with the new commit

    const verify = captureIO();
    expect(await run(['evidence', 'verify', ws.evidence], verify)).toBe(0);
  });

  it('--dry-run lists what would be scanned and downloads nothing', async () => {
    server = await HfServer.start({ repos: repos() });
    const ws = await workspace();
    const config = writeConfig(
      ws.root,
      `registries:\n  - kind: huggingface\n    endpoint: ${server.url}\n    scopes: [{ models: [acme/bert, other/x] }]\n`,
    );
    const r = await runRegistry(['--config', config, '--dry-run', '--state-dir', ws.state, '--key', ws.key]);
    expect(r.code).toBe(0);
    expect(r.planned?.map((p) => p.reference).sort()).toEqual([
      `hf://acme/bert@${SHA('a')}/config.json`,
      `hf://acme/bert@${SHA('a')}/model.safetensors`,
      `hf://other/x@${SHA('c')}/model.safetensors`,
    ]);
    expect(downloads(server)).toBe(0);
    expect(r.summary.artifacts).toMatchObject({ planned: 3, scanned: 0 });
  });
  it('lists the next version while the current one is still streaming (dispatch does not wait for scans)', async () => {
    server = await HfServer.start({
      repos: [
        {
          id: 'acme/a',
          sha: SHA('a'),
          files: [{ path: 'model.safetensors', bytes: cleanWeights(1), lfs: true }],
        },
        {
          id: 'acme/b',
          sha: SHA('b'),
          files: [{ path: 'model.safetensors', bytes: cleanWeights(2), lfs: true }],
        },
      ],
    });
    server.cdn.inject({ path: /./, times: 1, delayMs: 1_500 }); // acme/a's bytes are slow to come
    const ws = await workspace();
    const config = writeConfig(
      ws.root,
      `registries:\n  - kind: huggingface\n    endpoint: ${server.hub.url}\n    scopes: [{ models: [acme/a, acme/b] }]\n`,
    );
    const r = await runRegistry(['--config', config, '--state-dir', ws.state, '--concurrency', '1'], {
      CAVRA_EGRESS_ALLOW: server.cdn.url,
    });
    expect(r.summary.artifacts, r.err.slice(-500)).toMatchObject({ scanned: 2, failed: 0 });
    const slow = server.cdn.requests[0]!;
    const treeOfB = server.hub.requests.find((q) => q.url.startsWith('/api/models/acme/b/tree/'))!;
    // acme/b's files were listed while acme/a's download was still waiting on the CDN.
    expect(treeOfB.at - slow.at).toBeLessThan(1_000);
  });
});
