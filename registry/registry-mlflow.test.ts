import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_JSON, EVIL_PICKLE } from '../connectors/testkit/fixtures.js';
import { MlflowServer, type MlflowServerOptions } from '../connectors/testkit/mlflow-server.js';
import { artifacts, cleanWeights, runRegistry, statements, workspace, writeConfig } from './testkit.js';

const PROXY_DOWNLOAD = /^\/api\/2\.0\/mlflow-artifacts\/artifacts\/.+/;

function options(): MlflowServerOptions {
  return {
    token: 'mlflow-token',
    pageSize: 1,
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
        name: 'ignored',
        versions: [
          {
            version: '1',
            source: 'models:/m-i',
            storage_location: 'mlflow-artifacts:/1/models/m-i/artifacts',
          },
        ],
      },
    ],
    artifacts: {
      '0/run1/artifacts/model/MLmodel': CONFIG_JSON,
      '0/run1/artifacts/model/data/model.pkl': EVIL_PICKLE,
      '1/models/m-2/artifacts/MLmodel': CONFIG_JSON,
      '1/models/m-2/artifacts/data/model.pkl': EVIL_PICKLE,
      '1/models/m-9/artifacts/model.safetensors': cleanWeights(3),
      '1/models/m-i/artifacts/model.safetensors': cleanWeights(4),
    },
    runs: { run1: '0/run1/artifacts' },
  };
}

let server: MlflowServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('cavra-scan registry against a local MLflow tracking server', () => {
  it('globs, aliases and stages reach the policy; versions are skipped by immutable version on the second run', async () => {
    server = await MlflowServer.start(options());
    const ws = await workspace();
    const tokenFile = join(ws.root, 'mlflow.token');
    writeFileSync(tokenFile, 'mlflow-token\n');
    // The champion alias is decided in a scope that only warns on critical findings.
    const policy = join(ws.root, 'policy.yaml');
    writeFileSync(
      policy,
      `version: 1
id: test-champion
extends: baseline
scopes:
  - name: champion
    match: { alias: champion }
    actions: { critical: warn }
  - name: churn-prod
    match: { model: churn, stage: production, tag: tier1 }
    actions: { info: allow }
`,
    );
    const config = writeConfig(
      ws.root,
      `registries:
  - kind: mlflow
    name: mlflow-prod
    trackingUri: ${server.url}
    token: { file: ${tokenFile} }
    scopes:
      - models: ['fr*']
      - models: [churn]
        stage: production
        tags: [tier1]
policy: ./policy.yaml
concurrency: 1
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

    const first = await runRegistry(args);
    expect(first.code).toBe(1); // fraud/1 (no alias) is blocked
    expect(first.summary.models).toBe(2);
    expect(first.summary.versions).toBe(3);
    expect(first.summary.artifacts).toMatchObject({ listed: 5, scanned: 5, skipped: 0, failed: 0 });
    expect(first.summary.decisions).toEqual({ allow: 1, warn: 1, block: 1 });
    const versions = first.events.filter((e) => e.event === 'version');
    expect(Object.fromEntries(versions.map((e) => [e.reference, e.decision]))).toEqual({
      'models:/fraud/1': 'block',
      'models:/fraud/2': 'warn',
      'models:/churn/1': 'allow',
    });
    const st = statements(ws.evidence);
    expect(st.map((s) => (s.predicate.source as { reference: string }).reference).sort()).toEqual([
      'models:/churn/1',
      'models:/fraud/1',
      'models:/fraud/2',
    ]);
    expect((st[0]!.predicate.policy as { id: string }).id).toBe('test-champion');

    const downloads = server.http.seen(PROXY_DOWNLOAD).length;
    expect(downloads).toBe(5);
    const second = await runRegistry(args);
    expect(server.http.seen(PROXY_DOWNLOAD).length).toBe(downloads);
    expect(second.summary.artifacts).toMatchObject({ scanned: 0, skipped: 5 });
    expect(second.summary.evidence).toMatchObject({ recorded: 0, unchanged: 3 });
    expect(second.code).toBe(1);

    // A new version is scanned; the others stay skipped.
    server.options.models[1]!.versions.push({
      version: '2',
      source: 'models:/m-9b',
      storage_location: 'mlflow-artifacts:/1/models/m-9/artifacts',
    });
    const third = await runRegistry(args);
    expect(artifacts(third, 'scanned')).toEqual(['models:/churn/2/model.safetensors']);
    expect(third.summary.artifacts.skipped).toBe(5);

    // A different policy is a different key: everything is scanned again.
    const fourth = await runRegistry([...args, '--policy', 'strict']);
    expect(fourth.summary.artifacts).toMatchObject({ scanned: 6, skipped: 0 });
  });
});
