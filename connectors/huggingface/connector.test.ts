import { afterEach, describe, expect, it } from 'vitest';
import { scanReference } from '../scan-reference.js';
import { CONFIG_JSON, collect, EVIL_PICKLE, FAST_RETRY, noiseBytes } from '../testkit/fixtures.js';
import { sha256Hex } from '../testkit/git-oid.js';
import { HfServer, type HfRepo } from '../testkit/hf-server.js';
import { parseHfReference } from './reference.js';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const BIG = noiseBytes(300_000);
const TOKEN = 'hf_test_token';

function repos(): HfRepo[] {
  return [
    {
      id: 'acme/bert',
      sha: SHA_A,
      files: [
        { path: 'config.json', bytes: CONFIG_JSON },
        { path: 'weights/model.bin', bytes: EVIL_PICKLE, lfs: true },
      ],
    },
    { id: 'acme/big', sha: SHA_B, files: [{ path: 'blob.bin', bytes: BIG, lfs: true }] },
    {
      id: 'acme/secret',
      sha: 'c'.repeat(40),
      private: true,
      files: [{ path: 'config.json', bytes: CONFIG_JSON }],
    },
    {
      id: 'acme/gated',
      sha: 'd'.repeat(40),
      gated: 'manual',
      files: [{ path: 'config.json', bytes: CONFIG_JSON }],
    },
    { id: 'other/x', sha: 'e'.repeat(40), files: [{ path: 'a.json', bytes: CONFIG_JSON }] },
  ];
}

let server: HfServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Partial<Parameters<typeof HfServer.start>[0]> = {}): Promise<HfServer> {
  server = await HfServer.start({ repos: repos(), tokens: [TOKEN], ...options });
  return server;
}

const env = (s: HfServer, token?: string) => ({ HF_ENDPOINT: s.url, ...(token ? { HF_TOKEN: token } : {}) });

describe('Hugging Face connector', () => {
  it('lists one repo pinned to its commit, streams each file once and checks lfs.oid and git oids', async () => {
    const s = await start();
    const results = await collect(scanReference('hf://acme/bert', { env: env(s), retry: FAST_RETRY }));
    expect(results.map((r) => r.path)).toEqual([
      `hf://acme/bert@${SHA_A}/config.json`,
      `hf://acme/bert@${SHA_A}/weights/model.bin`,
    ]);
    const [config, pickle] = results;
    expect(config!.sha256).toBe(sha256Hex(CONFIG_JSON));
    expect(config!.verdict).toBe('clean');
    expect(pickle!.sha256).toBe(sha256Hex(EVIL_PICKLE));
    expect(pickle!.size).toBe(EVIL_PICKLE.length);
    expect(pickle!.verdict).not.toBe('clean');
    // main was pinned once, then everything was read at the commit; the LFS file went through the CDN
    expect(s.hub.seen(/\/revision\/main$/)).toHaveLength(1);
    expect(s.hub.seen(new RegExp(`/tree/${SHA_A}$`))).toHaveLength(1);
    expect(s.cdn.seen(/^\/repos\//)).toHaveLength(1);
  });

  it('lists every model of an author across Link pages, skipping private repos without a token', async () => {
    const s = await start({ pageSize: 1 });
    const results = await collect(scanReference('hf://acme', { env: env(s), retry: FAST_RETRY }));
    expect(new Set(results.map((r) => r.path.split('@')[0]))).toEqual(
      new Set(['hf://acme/bert', 'hf://acme/big', 'hf://acme/gated']),
    );
    expect(s.hub.seen(/^\/api\/models$/).length).toBeGreaterThanOrEqual(3);
    // the gated repo lists but its file is refused without an accepted gate
    const gated = results.find((r) => r.path.startsWith('hf://acme/gated'))!;
    expect(gated.verdict).toBe('inconclusive');
    expect(gated.coverage.issues[0]!.message).toMatch(/GatedRepo/);
  });

  it('reads private repos with HF_TOKEN, sent to the hub only, never to the CDN', async () => {
    const s = await start();
    const denied = await collect(scanReference('hf://acme/secret', { env: env(s), retry: FAST_RETRY }));
    expect(denied).toHaveLength(1);
    expect(denied[0]!.verdict).toBe('inconclusive');
    expect(denied[0]!.coverage.issues[0]!.message).toMatch(/^AUTH: .*HTTP 401/);
    const ok = await collect(scanReference('hf://acme/secret', { env: env(s, TOKEN), retry: FAST_RETRY }));
    expect(ok[0]!.sha256).toBe(sha256Hex(CONFIG_JSON));
    await collect(
      scanReference('hf://acme/bert@main/weights/model.bin', { env: env(s, TOKEN), retry: FAST_RETRY }),
    );
    expect(s.cdn.requests.length).toBeGreaterThan(0);
    expect(s.cdn.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('rejects a wrong token with a per-model error', async () => {
    const s = await start();
    const results = await collect(
      scanReference('hf://acme/bert', { env: env(s, 'hf_wrong'), retry: FAST_RETRY }),
    );
    expect(results).toHaveLength(1);
    expect(results[0]!.path).toBe('hf://acme/bert');
    expect(results[0]!.coverage.issues[0]!.message).toMatch(/AUTH/);
  });

  it('retries 429 with Retry-After and 500s, then succeeds', async () => {
    const s = await start();
    s.hub.inject({
      path: /\/tree\//,
      times: 1,
      status: 429,
      headers: { 'retry-after': '0', ratelimit: '"api";r=0;t=0' },
      body: '{"error":"rate limited"}',
    });
    s.hub.inject({ path: /\/resolve\//, times: 2, status: 500, body: '{"error":"boom"}' });
    const results = await collect(
      scanReference('hf://acme/bert/config.json', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results).toHaveLength(1);
    expect(results[0]!.sha256).toBe(sha256Hex(CONFIG_JSON));
    expect(s.hub.seen(/\/tree\//)).toHaveLength(2);
    expect(s.hub.seen(/\/resolve\//)).toHaveLength(3);
  });

  it('gives up after the retry budget and reports the artifact as inconclusive', async () => {
    const s = await start();
    s.hub.inject({ path: /\/resolve\//, times: 10, status: 503, body: '{"error":"down"}' });
    const results = await collect(
      scanReference('hf://acme/bert/config.json', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results[0]!.verdict).toBe('inconclusive');
    expect(results[0]!.sha256).toBeNull();
    expect(results[0]!.coverage.issues[0]!.message).toMatch(/HTTP 503/);
  });

  it('resumes a dropped download with a Range request and still hashes every byte once', async () => {
    const s = await start();
    s.cdn.inject({ path: /^\/repos\//, times: 1, dropAfter: 100_000 });
    const results = await collect(
      scanReference(`hf://acme/big@${SHA_B}/blob.bin`, { env: env(s), retry: FAST_RETRY }),
    );
    expect(results[0]!.sha256).toBe(sha256Hex(BIG));
    expect(results[0]!.size).toBe(BIG.length);
    const ranges = s.cdn.requests.map((r) => r.headers.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/=(\d+)-/.exec(ranges[1] as string)![1])).toBeGreaterThan(0);
  });

  it('makes a digest mismatch (content changed behind the registry) inconclusive', async () => {
    const r = repos();
    r[0]!.files[0] = { path: 'config.json', bytes: CONFIG_JSON, lfs: true, statedSha256: '0'.repeat(64) };
    const s = await start({ repos: r });
    const results = await collect(
      scanReference('hf://acme/bert/config.json', { env: env(s), retry: FAST_RETRY }),
    );
    const real = sha256Hex(CONFIG_JSON);
    expect(results[0]!.sha256).toBe(real);
    expect(results[0]!.verdict).toBe('inconclusive');
    expect(results[0]!.coverage.issues.map((i) => i.message)).toEqual([
      `digest mismatch: registry sha256 ${'0'.repeat(64)}, computed ${real}`,
    ]);
  });

  it('makes a git blob oid mismatch of a small file inconclusive too', async () => {
    const r = repos();
    r[0]!.files[0] = { path: 'config.json', bytes: CONFIG_JSON, statedOid: '1'.repeat(40) };
    const s = await start({ repos: r });
    const results = await collect(
      scanReference('hf://acme/bert/config.json', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results[0]!.verdict).toBe('inconclusive');
    expect(results[0]!.coverage.issues[0]!.message).toMatch(
      /^digest mismatch: registry git-blob-sha1 1{40}, computed [0-9a-f]{40}$/,
    );
  });

  it('pages through a tree, and reports an unknown revision or path per model', async () => {
    const s = await start({ treePageSize: 1 });
    const results = await collect(scanReference('hf://acme/bert', { env: env(s), retry: FAST_RETRY }));
    expect(results).toHaveLength(2);
    expect(s.hub.seen(/\/tree\//).length).toBeGreaterThanOrEqual(3);
    const rev = await collect(scanReference('hf://acme/bert@nope', { env: env(s), retry: FAST_RETRY }));
    expect(rev[0]!.coverage.issues[0]!.message).toMatch(/NOT_FOUND/);
    const path = await collect(
      scanReference('hf://acme/bert/missing.bin', { env: env(s), retry: FAST_RETRY }),
    );
    expect(path[0]!.coverage.issues[0]!.message).toMatch(/NOT_FOUND.*missing\.bin/);
  });
});

describe('hf:// references', () => {
  it('parses author, repo, revision and path', () => {
    expect(parseHfReference('hf://acme')!.scope).toEqual({ owner: 'acme' });
    expect(parseHfReference('hf://acme/bert')!.scope).toEqual({ models: ['acme/bert'] });
    expect(parseHfReference(`hf://acme/bert@${SHA_A}/a/b.bin`)!.scope).toEqual({
      models: ['acme/bert'],
      version: SHA_A,
      path: 'a/b.bin',
    });
    expect(parseHfReference('models:/x/1')).toBeUndefined();
    expect(() => parseHfReference('hf://')).toThrow(/BAD|expected/);
    expect(() => parseHfReference('hf://acme/bert@')).toThrow(/expected/);
  });
});
