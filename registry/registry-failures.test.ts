import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_JSON, EVIL_PICKLE } from '../connectors/testkit/fixtures.js';
import { HfServer } from '../connectors/testkit/hf-server.js';
import { MlflowServer } from '../connectors/testkit/mlflow-server.js';
import { TestServer } from '../connectors/testkit/server.js';
import { artifacts, cleanWeights, runRegistry, statements, workspace, writeConfig } from './testkit.js';

const SHA = (c: string) => c.repeat(40);
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function downUrl(): Promise<string> {
  const s = await TestServer.start((_q, res) => void res.end());
  const url = s.url;
  await s.close();
  return url;
}

describe('cavra-scan registry: failures are per model, in the summary and in evidence; the run goes on (exit 2)', () => {
  it('wrong credentials, a registry that is down, a malformed response, a pagination loop, a digest mismatch', async () => {
    const hf = await HfServer.start({
      tokens: ['hf_ok'],
      repos: [
        {
          id: 'acme/good',
          sha: SHA('a'),
          files: [{ path: 'model.safetensors', bytes: cleanWeights(1), lfs: true }],
        },
        { id: 'acme/broken', sha: SHA('b'), files: [{ path: 'config.json', bytes: CONFIG_JSON }] },
        {
          id: 'acme/swapped',
          sha: SHA('c'),
          files: [
            { path: 'config.json', bytes: CONFIG_JSON },
            { path: 'model.bin', bytes: cleanWeights(2), lfs: true, statedSha256: 'f'.repeat(64) },
          ],
        },
      ],
    });
    const mlflow = await MlflowServer.start({
      pageSize: 1,
      models: [
        {
          name: 'loop',
          versions: [{ version: '1', source: 'models:/m', storage_location: 'mlflow-artifacts:/m' }],
        },
      ],
      artifacts: { m: EVIL_PICKLE },
    });
    open.push(hf, mlflow);
    // tree of acme/broken answers 200 with a body that is not JSON; MLflow's search pages loop forever.
    hf.hub.inject({
      path: /\/api\/models\/acme\/broken\/tree\//,
      times: 10,
      status: 200,
      body: '<html>oops',
    });
    mlflow.http.inject({
      path: /model-versions\/search$/,
      times: 1000,
      status: 200,
      body: JSON.stringify({
        model_versions: [{ name: 'loop', version: '1', status: 'READY', source: 'models:/m' }],
        next_page_token: 'same',
      }),
    });
    const down = await downUrl();
    const ws = await workspace();
    const config = writeConfig(
      ws.root,
      `registries:
  - kind: huggingface
    name: hub-bad-token
    endpoint: ${hf.url}
    token: { env: WRONG_TOKEN }
    scopes: [{ owner: acme }]
  - kind: huggingface
    name: hub-down
    endpoint: ${down}
    scopes: [{ models: [acme/good] }]
  - kind: huggingface
    name: hub
    endpoint: ${hf.url}
    token: { env: GOOD_TOKEN }
    scopes: [{ owner: acme }]
  - kind: mlflow
    trackingUri: ${mlflow.url}
retry: { attempts: 1, baseMs: 1, maxMs: 2 }
`,
    );
    const env = { WRONG_TOKEN: 'hf_wrong', GOOD_TOKEN: 'hf_ok', CAVRA_EGRESS_ALLOW: hf.cdn.url };
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
    const first = await runRegistry(args, env);

    expect(first.code).toBe(2);
    expect(first.summary.partial).toBe(true);
    const codes = Object.fromEntries(
      first.summary.failures.map((f) => [`${f.registry} ${f.reference}`, f.code]),
    );
    expect(codes).toMatchObject({
      'hub-bad-token hf://acme': 'AUTH',
      'hub-down hf://acme/good': 'NETWORK',
      [`hub hf://acme/broken@${SHA('b')}`]: 'BAD_RESPONSE',
      [`hub hf://acme/swapped@${SHA('c')}/model.bin`]: 'IO_ERROR',
      'mlflow models:/': 'BAD_RESPONSE',
    });
    expect(first.summary.failures.find((f) => f.reference.endsWith('/model.bin'))?.message).toMatch(
      /digest mismatch/,
    );
    // The healthy model is still scanned and allowed.
    expect(artifacts(first, 'scanned')).toEqual([
      `hf://acme/good@${SHA('a')}/model.safetensors`,
      `hf://acme/swapped@${SHA('c')}/config.json`,
    ]);
    // Every failure is in the evidence as an inconclusive, blocked record.
    const st = statements(ws.evidence);
    const byRef = new Map(
      st.map((s) => [(s.predicate.source as { reference: string }).reference, s.predicate]),
    );
    for (const ref of [
      'hf://acme',
      'hf://acme/good',
      `hf://acme/broken@${SHA('b')}`,
      `hf://acme/swapped@${SHA('c')}`,
      'models:/',
    ]) {
      expect(byRef.get(ref)?.verdict, ref).toBe('inconclusive');
      expect(byRef.get(ref)?.decision, ref).toBe('block');
    }
    expect(byRef.get(`hf://acme/good@${SHA('a')}`)?.decision).toBe('allow');

    // Next run: what failed is tried again (the mismatched file is downloaded again), what passed is skipped.
    const second = await runRegistry(args, env);
    expect(second.code).toBe(2);
    expect(artifacts(second, 'failed')).toEqual([`hf://acme/swapped@${SHA('c')}/model.bin`]);
    expect(artifacts(second, 'skipped')).toEqual([
      `hf://acme/good@${SHA('a')}/model.safetensors`,
      `hf://acme/swapped@${SHA('c')}/config.json`,
    ]);
  });

  it('rate limiting within the retry budget is waited out', async () => {
    const hf = await HfServer.start({
      repos: [{ id: 'acme/good', sha: SHA('a'), files: [{ path: 'config.json', bytes: CONFIG_JSON }] }],
    });
    open.push(hf);
    hf.hub.inject({
      path: /\/api\/models\/acme\/good\/tree\//,
      times: 2,
      status: 429,
      headers: { 'retry-after': '0' },
    });
    const ws = await workspace();
    const config = writeConfig(
      ws.root,
      `registries:\n  - kind: huggingface\n    endpoint: ${hf.url}\n    scopes: [{ models: [acme/good] }]\nretry: { attempts: 4, baseMs: 1, maxMs: 2 }\n`,
    );
    const r = await runRegistry(['--config', config, '--state-dir', ws.state]);
    expect(r.code).toBe(0);
    expect(r.summary.artifacts.scanned).toBe(1);
    expect(hf.hub.seen(/\/tree\//).length).toBe(3);
  });
});
