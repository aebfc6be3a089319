import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_JSON } from '../connectors/testkit/fixtures.js';
import { HfServer, type HfRepo } from '../connectors/testkit/hf-server.js';
import { CavraError } from '../scanner/errors.js';
import { resolveShard, shardOf } from './shard.js';
import { artifacts, runRegistry, workspace, writeConfig } from './testkit.js';

describe('resolveShard', () => {
  it('reads --shard i/N, or --shards N with JOB_COMPLETION_INDEX', () => {
    expect(resolveShard(undefined, undefined, {})).toEqual({ index: 0, count: 1 });
    expect(resolveShard('2/4', undefined, {})).toEqual({ index: 2, count: 4 });
    expect(resolveShard(undefined, '4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(resolveShard(undefined, '1', {})).toEqual({ index: 0, count: 1 });
  });

  it.each([
    ['4/4', undefined, {}],
    ['x', undefined, {}],
    ['0/0', undefined, {}],
    [undefined, '4', {}],
    [undefined, '4', { JOB_COMPLETION_INDEX: '4' }],
    [undefined, 'two', { JOB_COMPLETION_INDEX: '0' }],
    ['0/2', '2', {}],
  ])('refuses shard=%s shards=%s env=%j as a usage error', (shard, shards, env) => {
    expect(() => resolveShard(shard, shards, env)).toThrow(CavraError);
  });
});

describe('shardOf', () => {
  it('is deterministic and puts every key in exactly one shard', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          const s = shardOf(key, n);
          expect(s).toBe(shardOf([...key], n));
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThan(n);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('spreads models roughly evenly', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(['huggingface', 'https://hub', `org/model-${i}`], 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
});

let server: HfServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('cavra-scan registry --shard', () => {
  it('splits the estate by model: the shards together cover every file exactly once', async () => {
    const repos: HfRepo[] = Array.from({ length: 24 }, (_, i) => ({
      id: `acme/m${i}`,
      sha: (i % 16).toString(16).repeat(40),
      files: [
        { path: 'config.json', bytes: CONFIG_JSON },
        { path: 'extra.json', bytes: new TextEncoder().encode(`{"i":${i}}`) },
      ],
    }));
    // Two explicit models too: they are sharded before listing (and only their shard lists them).
    server = await HfServer.start({ repos, pageSize: 5 });
    const ws = await workspace();
    const config = writeConfig(
      ws.root,
      `registries:\n  - kind: huggingface\n    endpoint: ${server.url}\n    scopes:\n      - owner: acme\n        models: ['acme/m1*']\n      - models: [acme/m3, acme/m4]\n`,
    );
    const expected = repos
      .filter((r) => /^acme\/m(1\d*|3|4)$/.test(r.id))
      .flatMap((r) => r.files.map((f) => `hf://${r.id}@${r.sha}/${f.path}`))
      .sort();
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runRegistry(['--config', config, '--state-dir', ws.state, '--shards', '3'], {
        JOB_COMPLETION_INDEX: String(i),
      });
      expect(r.code).toBe(0);
      expect(r.summary.shard).toBe(`${i}/3`);
      seen.push(...artifacts(r, 'scanned'));
    }
    expect(seen.sort()).toEqual(expected);
    const treeCalls = server.hub.seen(/\/api\/models\/acme\/m3\/tree\//).length;
    expect(treeCalls).toBe(1); // listed by its own shard only

    // The same split again (state per shard file): a second pass over shard 1 skips all of its files.
    const again = await runRegistry(['--config', config, '--state-dir', ws.state, '--shard', '1/3']);
    expect(again.summary.artifacts.scanned).toBe(0);
  });
});
