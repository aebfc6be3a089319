import { afterEach, describe, expect, it } from 'vitest';
import { scanReference } from '../scan-reference.js';
import { CONFIG_JSON, collect, EVIL_PICKLE, FAST_RETRY, noiseBytes } from '../testkit/fixtures.js';
import { sha256Hex } from '../testkit/git-oid.js';
import { MlflowServer, type MlflowServerOptions } from '../testkit/mlflow-server.js';
import { parseMlflowReference } from './reference.js';

const BIG = new TextEncoder().encode(JSON.stringify({ weights: Array.from(noiseBytes(40_000)) }));

function options(): MlflowServerOptions {
  return {
    token: 'mlflow-token',
    models: [
      {
        name: 'fraud',
        versions: [
          { version: '1', source: 'runs:/run1/model', run_id: 'run1' },
          {
            version: '2',
            source: 'models:/m-2',
            storage_location: 'mlflow-artifacts:/1/models/m-2/artifacts',
            aliases: ['champion'],
          },
          { version: '3', source: 'file:///tmp/model', status: 'READY' },
        ],
      },
      {
        name: 'churn',
        versions: [
          {
            version: '1',
            source: 'models:/m-9',
            storage_location: 'mlflow-artifacts:/1/models/m-9/artifacts',
          },
        ],
      },
      {
        name: 'pending',
        versions: [{ version: '1', source: 'models:/m-p', status: 'PENDING_REGISTRATION' }],
      },
    ],
    artifacts: {
      '0/run1/artifacts/model/MLmodel': CONFIG_JSON,
      '0/run1/artifacts/model/data/model.pkl': EVIL_PICKLE,
      '1/models/m-2/artifacts/MLmodel': CONFIG_JSON,
      '1/models/m-2/artifacts/data/model.pkl': EVIL_PICKLE,
      '1/models/m-2/artifacts/data/big.json': BIG,
      '1/models/m-9/artifacts/config.json': CONFIG_JSON,
    },
    runs: { run1: '0/run1/artifacts' },
    pageSize: 1,
  };
}

let server: MlflowServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(o: MlflowServerOptions = options()): Promise<MlflowServer> {
  server = await MlflowServer.start(o);
  return server;
}
const env = (s: MlflowServer, extra: Record<string, string> = { MLFLOW_TRACKING_TOKEN: 'mlflow-token' }) => ({
  MLFLOW_TRACKING_URI: s.url,
  ...extra,
});

describe('MLflow connector', () => {
  it('scans one version through the artifact proxy (walking folders) with sizes checked', async () => {
    const s = await start();
    const results = await collect(scanReference('models:/fraud/2', { env: env(s), retry: FAST_RETRY }));
    const byPath = new Map(results.map((r) => [r.path, r]));
    expect([...byPath.keys()].sort()).toEqual([
      'models:/fraud/2/MLmodel',
      'models:/fraud/2/data/big.json',
      'models:/fraud/2/data/model.pkl',
    ]);
    expect(byPath.get('models:/fraud/2/data/model.pkl')!.sha256).toBe(sha256Hex(EVIL_PICKLE));
    expect(byPath.get('models:/fraud/2/data/model.pkl')!.verdict).not.toBe('clean');
    expect(byPath.get('models:/fraud/2/MLmodel')!.verdict).toBe('clean');
    expect(byPath.get('models:/fraud/2/data/big.json')!.sha256).toBe(sha256Hex(BIG));
    expect(s.http.seen(/^\/api\/2\.0\/mlflow-artifacts\/artifacts$/).length).toBe(2);
  });

  it('resolves an alias and reads runs:/ sources through artifacts/list', async () => {
    const s = await start();
    const alias = await collect(
      scanReference('models:/fraud@champion/MLmodel', { env: env(s), retry: FAST_RETRY }),
    );
    expect(alias.map((r) => r.path)).toEqual(['models:/fraud/2/MLmodel']);
    const run = await collect(scanReference('models:/fraud/1', { env: env(s), retry: FAST_RETRY }));
    expect(run.map((r) => r.path).sort()).toEqual([
      'models:/fraud/1/MLmodel',
      'models:/fraud/1/data/model.pkl',
    ]);
    expect(run.find((r) => r.path.endsWith('model.pkl'))!.sha256).toBe(sha256Hex(EVIL_PICKLE));
  });

  it('pages through every registered model and version; refuses file: sources and unready versions', async () => {
    const s = await start();
    const results = await collect(scanReference('models:/', { env: env(s), retry: FAST_RETRY }));
    const paths = results.map((r) => r.path);
    expect(paths).toContain('models:/churn/1/config.json');
    expect(paths).toContain('models:/fraud/1/data/model.pkl');
    const file = results.find((r) => r.path === 'models:/fraud/3')!;
    expect(file.verdict).toBe('inconclusive');
    expect(file.coverage.issues[0]!.message).toMatch(/UNSUPPORTED.*file:.*refused/);
    const pending = results.find((r) => r.path === 'models:/pending/1')!;
    expect(pending.coverage.issues[0]!.message).toMatch(/PENDING_REGISTRATION/);
    const tokens = s.http.requests
      .filter((r) => r.url.includes('registered-models/search'))
      .map((r) => new URL(r.url, s.url).searchParams.get('page_token'));
    expect(tokens).toHaveLength(3);
    expect(tokens[0]).toBeNull();
  });

  it('authenticates with Bearer or Basic and reports 401/403 per model', async () => {
    const o = options();
    o.basic = { username: 'u', password: 'p' };
    const s = await start(o);
    const none = await collect(scanReference('models:/fraud/2', { env: env(s, {}), retry: FAST_RETRY }));
    expect(none).toHaveLength(1);
    expect(none[0]!.coverage.issues[0]!.message).toMatch(/^AUTH: .*UNAUTHENTICATED/);
    const wrong = await collect(
      scanReference('models:/fraud/2', { env: env(s, { MLFLOW_TRACKING_TOKEN: 'nope' }), retry: FAST_RETRY }),
    );
    expect(wrong[0]!.coverage.issues[0]!.message).toMatch(/^FORBIDDEN: .*PERMISSION_DENIED/);
    const basic = await collect(
      scanReference('models:/churn/1', {
        env: env(s, { MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' }),
        retry: FAST_RETRY,
      }),
    );
    expect(basic[0]!.sha256).toBe(sha256Hex(CONFIG_JSON));
  });

  it('retries 429/503, and restarts a dropped proxy download (no Range support) without rehashing twice', async () => {
    const s = await start();
    s.http.inject({
      path: /model-versions\/get$/,
      times: 1,
      status: 429,
      headers: { 'retry-after': '0' },
      body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}',
    });
    s.http.inject({ path: /big\.json$/, times: 1, status: 503, body: 'upstream' });
    s.http.inject({ path: /big\.json$/, times: 1, dropAfter: 20_000 });
    const results = await collect(
      scanReference('models:/fraud/2/data/big.json', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results).toHaveLength(1);
    expect(results[0]!.sha256).toBe(sha256Hex(BIG));
    expect(results[0]!.size).toBe(BIG.length);
    expect(results[0]!.verdict).toBe('clean');
    expect(s.http.seen(/big\.json$/)).toHaveLength(3);
  });

  it('reports a missing version, a pagination loop and a malformed response per model', async () => {
    const s = await start();
    const missing = await collect(scanReference('models:/fraud/9', { env: env(s), retry: FAST_RETRY }));
    expect(missing[0]!.coverage.issues[0]!.message).toMatch(/^NOT_FOUND: .*RESOURCE_DOES_NOT_EXIST/);
    s.http.inject({
      path: /model-versions\/search$/,
      times: 5,
      status: 200,
      body: '{"model_versions":[],"next_page_token":"same"}',
    });
    const loop = await collect(scanReference('models:/fraud', { env: env(s), retry: FAST_RETRY }));
    expect(loop).toHaveLength(1);
    expect(loop[0]!.coverage.issues[0]!.message).toMatch(/^BAD_RESPONSE: .*pagination loop/);
    s.http.inject({ path: /model-versions\/get$/, times: 1, status: 200, body: '<html>proxy error</html>' });
    const bad = await collect(scanReference('models:/fraud/2', { env: env(s), retry: FAST_RETRY }));
    expect(bad[0]!.coverage.issues[0]!.message).toMatch(/^BAD_RESPONSE: .*not JSON/);
  });
});

describe('models:/ references', () => {
  it('parses names, versions, aliases and paths, and refuses stages', () => {
    expect(parseMlflowReference('models:/')!.scope).toEqual({});
    expect(parseMlflowReference('models:/fraud')!.scope).toEqual({ models: ['fraud'] });
    expect(parseMlflowReference('models:/fraud/3')!.scope).toEqual({ models: ['fraud'], version: '3' });
    expect(parseMlflowReference('models:/fraud@champion/data/model.pkl')!.scope).toEqual({
      models: ['fraud'],
      version: '@champion',
      path: 'data/model.pkl',
    });
    expect(() => parseMlflowReference('models:/fraud/Production')).toThrow(/alias/);
    expect(parseMlflowReference('hf://x')).toBeUndefined();
  });
});
