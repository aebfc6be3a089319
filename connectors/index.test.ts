import { describe, expect, it } from 'vitest';
import { CONNECTORS, isReference, parseReference, resolveReference } from './index.js';
import { REGISTRY_KINDS } from './registry-kind.js';
import { scanReference } from './scan-reference.js';
import { collect } from './testkit/fixtures.js';

describe('references', () => {
  it('has one factory per registry', () => {
    expect(CONNECTORS.map((f) => f.registry).sort()).toEqual([...REGISTRY_KINDS].sort());
  });

  it('routes each form to its registry', () => {
    expect(parseReference('hf://org/repo@abc/x.bin').registry).toBe('huggingface');
    expect(parseReference('models:/fraud/3').registry).toBe('mlflow');
    expect(parseReference('s3://bucket/key').registry).toBe('s3');
    expect(parseReference('arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/1').registry).toBe(
      'sagemaker',
    );
    expect(parseReference('wandb://e/p/n:v3').registry).toBe('wandb');
  });

  it('tells references from local paths', () => {
    for (const ref of [
      'hf://org/repo',
      'models:/x',
      's3://bucket/k',
      'wandb://e/p',
      'sagemaker://g',
      'hf://',
    ])
      expect(isReference(ref)).toBe(true);
    for (const path of ['model.bin', './models/x.pt', '/tmp/hf/model', 'C:\\models\\x', 'models/x'])
      expect(isReference(path)).toBe(false);
  });

  it('refuses unknown forms and missing registry settings as usage errors', async () => {
    expect(() => parseReference('ftp://x')).toThrow(/not a registry reference/);
    expect(() => resolveReference('models:/fraud/1', { env: {} })).toThrow(/MLFLOW_TRACKING_URI/);
    await expect(collect(scanReference('models:/fraud/1', { env: {} }))).rejects.toMatchObject({
      name: 'CavraError',
      code: 'USAGE',
    });
    await expect(collect(scanReference('hf://acme/bert@', { env: {} }))).rejects.toMatchObject({
      code: 'USAGE',
    });
  });
});
