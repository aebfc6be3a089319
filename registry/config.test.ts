import { describe, expect, it } from 'vitest';
import { run } from '../cli/main.js';
import { CavraError } from '../scanner/errors.js';
import { captureIO } from '../test-support/capture-io.js';
import { parseRegistryConfig } from './config.js';
import { connectorEnv } from './connect.js';
import { workspace, writeConfig } from './testkit.js';

function error(text: string): string {
  try {
    parseRegistryConfig(text, 'cavra-scan.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(CavraError);
    expect((err as CavraError).code).toBe('CONFIG_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

const FULL = `version: 1
registries:
  - kind: huggingface
    endpoint: https://hub.example
    token: { env: HF_TOKEN }
    scopes:
      - owner: acme
      - models: [acme/bert]
        version: main
        stage: production
  - kind: mlflow
    name: mlflow-prod
    trackingUri: https://mlflow.example
    username: { env: MLFLOW_USER }
    password: { file: /run/secrets/mlflow }
    scopes:
      - models: ['fraud-*']
        aliases: [champion, challenger]
      - stages: [Production]
        tags: [tier1]
  - kind: sagemaker
    region: eu-west-1
    scopes: [{ models: [fraud], approval: Approved }]
  - kind: s3
    scopes: [{ models: ['s3://models/fraud/'] }]
  - kind: wandb
    apiKey: { env: WANDB_API_KEY }
    scopes: [{ owner: acme/fraud, models: [detector] }]
policy: strict
concurrency: 2
limits: { maxFileBytes: 1000000, artifactTimeoutSeconds: 600 }
`;

describe('registry configuration', () => {
  it('accepts every registry kind and fills names and default scopes', () => {
    const c = parseRegistryConfig(FULL, '/etc/cavra-scan/cavra-scan.yaml');
    expect(c.registries.map((r) => r.name)).toEqual([
      'huggingface',
      'mlflow-prod',
      'sagemaker',
      's3',
      'wandb',
    ]);
    expect(c.policy).toMatch(/policies\/strict\.yaml$/);
    expect(c.limits.artifactTimeoutSeconds).toBe(600);
    const all = parseRegistryConfig('registries: [{ kind: mlflow, trackingUri: "http://x" }]\n', 'c.yaml');
    expect(all.registries[0]!.scopes).toEqual([{}]);
    const rel = parseRegistryConfig(
      'registries: [{ kind: mlflow }]\npolicy: ./p.yaml\n',
      '/etc/c/cavra.yaml',
    );
    expect(rel.policy).toBe('/etc/c/p.yaml');
  });

  it('refuses an inline secret, naming file, line and field', () => {
    const msg = error(
      'registries:\n  - kind: huggingface\n    token: hf_abcdef\n    scopes: [{ owner: acme }]\n',
    );
    expect(msg).toMatch(/^cavra-scan\.yaml:3:\d+: registries\[0\]\.token: secrets are never written inline/);
    expect(msg).not.toContain('hf_abcdef');
    expect(
      error('registries:\n  - kind: wandb\n    apiKey: { value: x }\n    scopes: [{ owner: a/b }]\n'),
    ).toMatch(/registries\[0\]\.apiKey\.value: unknown key/);
  });

  it.each([
    ['registries: []\n', /registries: must NOT have fewer than 1 items/],
    ['registries: [{ kind: gitlab }]\n', /registries\[0\]\.kind: must be one of/],
    ['registries: [{ kind: mlflow, endpoint: x }]\n', /:1:\d+: registries\[0\]\.endpoint: unknown key/],
    [
      'registries:\n  - kind: mlflow\n    scopes: [{ version: latest }]\n',
      /:3:\d+: registries\[0\]\.scopes\[0\]\.version/,
    ],
    ['registries:\n  - kind: huggingface\n', /a huggingface registry needs 'scopes'/],
    ['registries:\n  - kind: huggingface\n    scopes: [{ version: main }]\n', /needs owner or models/],
    [
      'registries:\n  - kind: huggingface\n    scopes: [{ models: ["acme/*"] }]\n',
      /model globs need an owner/,
    ],
    ['registries: [{ kind: mlflow }]\nconcurrency: 0\n', /concurrency: must be >= 1/],
    [
      'registries: [{ kind: mlflow }, { kind: mlflow, name: mlflow }]\n',
      /registries\[1\]\.name: registry name 'mlflow' is used twice/,
    ],
    ['registries: [{ kind: mlflow }]\nfoo: 1\n', /:2:1: foo: unknown key/],
    ['registries: [{ kind: mlflow }\n', /YAML/],
  ])('refuses %j', (text, re) => {
    expect(error(text)).toMatch(re);
  });

  it('maps configured endpoints and secrets onto the ecosystem variables', () => {
    const c = parseRegistryConfig(FULL, 'c.yaml');
    const hf = connectorEnv(c.registries[0]!, { HF_TOKEN: 'tok', PATH: '/bin' });
    expect(hf).toMatchObject({ HF_ENDPOINT: 'https://hub.example', HF_TOKEN: 'tok', PATH: '/bin' });
    expect(() => connectorEnv(c.registries[4]!, {})).toThrow(/WANDB_API_KEY is not set/);
  });

  it('a configuration error exits 3 with file:line before any request', async () => {
    const ws = await workspace();
    const file = writeConfig(
      ws.root,
      'registries:\n  - kind: mlflow\n    trackingUri: http://127.0.0.1:9\n    token: abc\n',
    );
    const io = captureIO();
    expect(await run(['registry', '--config', file, '--state-dir', ws.state], io)).toBe(3);
    expect(io.err).toContain(`${file}:4:`);
    expect(io.err).toContain('CONFIG_INVALID');
    const missing = captureIO();
    expect(await run(['registry', '--config', `${ws.root}/nope.yaml`], missing)).toBe(3);
    const shard = captureIO();
    const ok = writeConfig(
      ws.root,
      'registries: [{ kind: mlflow, trackingUri: "http://127.0.0.1:9" }]\n',
      'ok.yaml',
    );
    expect(await run(['registry', '--config', ok, '--shards', '2'], shard)).toBe(3);
    expect(shard.err).toContain('JOB_COMPLETION_INDEX');
  });
});

describe('the shipped deploy configuration', () => {
  it('the ConfigMap and the Helm default validate against the schema', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const cm = parse(readFileSync('deploy/kubernetes/base/configmap.yaml', 'utf8')) as {
      data: Record<string, string>;
    };
    const values = parse(readFileSync('deploy/helm/cavra-scan/values.yaml', 'utf8')) as { config: string };
    for (const text of [cm.data['cavra-scan.yaml']!, values.config]) {
      const c = parseRegistryConfig(text, 'deploy');
      expect(c.registries[0]!.kind).toBe('huggingface');
    }
  });
});

describe('docs/registries.md', () => {
  it('the full example configuration validates', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync('docs/registries.md', 'utf8');
    const section = doc.slice(doc.indexOf('## `cavra-scan.yaml` reference'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const c = parseRegistryConfig(yaml, 'docs');
    expect(c.registries.map((r) => r.kind)).toEqual(['huggingface', 'mlflow', 'sagemaker', 's3', 'wandb']);
  });
});

describe('the CronJob command line', () => {
  it('accepts exactly the flags deploy/ passes; state goes next to the evidence directory', async () => {
    const { existsSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const ws = await workspace();
    const token = join(ws.root, 'cp-token');
    writeFileSync(token, 'cp-secret\n');
    const config = writeConfig(
      ws.root,
      'registries: [{ kind: mlflow, trackingUri: "http://127.0.0.1:9" }]\nretry: { attempts: 1 }\n',
    );
    const evidenceDir = join(ws.root, 'var', 'evidence');
    const io = captureIO({ JOB_COMPLETION_INDEX: '0', CAVRA_SIGNING_KEY: ws.key });
    const code = await run(
      [
        'registry',
        `--config=${config}`,
        '--shards=1',
        '--concurrency=2',
        `--evidence-dir=${evidenceDir}`,
        `--control-plane-token-file=${token}`,
      ],
      io,
    );
    expect(code).toBe(2); // the registry is down: a partial run, not a usage error
    expect(io.out).toContain('NETWORK');
    expect(existsSync(join(ws.root, 'var', 'registry-state.sqlite'))).toBe(true);
    expect(existsSync(join(evidenceDir, 'index.sqlite'))).toBe(true);
  });
});
