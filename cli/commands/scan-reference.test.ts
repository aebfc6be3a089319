import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HfServer } from '../../connectors/testkit/hf-server.js';
import { captureIO } from '../../test-support/capture-io.js';
import { run } from '../main.js';

const SHA = 'a'.repeat(40);
const enc = (s: string) => new TextEncoder().encode(s);
const payload = enc("cposix\nsystem\n(S'echo cavra'\ntR.");
const config = enc('{"model_type": "tiny"}');

describe('cavra-scan scan <registry reference>', () => {
  let hub: HfServer;
  beforeAll(async () => {
    hub = await HfServer.start({
      repos: [
        { id: 'acme/tiny', sha: SHA, files: [{ path: 'config.json', bytes: config }] },
        {
          id: 'acme/evil',
          sha: 'b'.repeat(40),
          files: [
            { path: 'model.bin', bytes: payload, lfs: true },
            { path: 'config.json', bytes: config },
          ],
        },
      ],
    });
  });
  afterAll(() => hub.close());

  it('scans a Hugging Face repo by reference through HF_ENDPOINT, pinned to its commit', async () => {
    const io = captureIO({ HF_ENDPOINT: hub.url });
    const code = await run(['scan', 'hf://acme/tiny', '--format', 'jsonl'], io);
    const [r] = io.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(r.path).toBe(`hf://acme/tiny@${SHA}/config.json`);
    expect(r.sha256).toBe(createHash('sha256').update(config).digest('hex'));
    expect(r).toMatchObject({ verdict: 'clean', decision: 'allow', format: 'json' });
    expect(code).toBe(0);
  });

  it('blocks a malicious file in a repo (exit 1) and names it by reference', async () => {
    // The hub redirects LFS files to its CDN, a second origin: it must be allow-listed for egress.
    const io = captureIO({ HF_ENDPOINT: hub.url, CAVRA_EGRESS_ALLOW: hub.cdn.url });
    const code = await run(['scan', 'hf://acme/evil', '--format', 'jsonl'], io);
    const rows = io.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const bin = rows.find((r) => r.path.endsWith('/model.bin'));
    expect(bin).toMatchObject({ verdict: 'malicious', decision: 'block' });
    expect(bin.findings[0].callable).toBe('os.system');
    expect(code).toBe(1);
  });

  it('refuses a redirect to an origin that is not on the egress allowlist, before connecting', async () => {
    const before = hub.cdn.requests.length;
    const io = captureIO({ HF_ENDPOINT: hub.url });
    expect(await run(['scan', 'hf://acme/evil', '--format', 'jsonl'], io)).toBe(2);
    const bin = io.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((r) => r.path.endsWith('/model.bin'));
    expect(bin.verdict).toBe('inconclusive');
    expect(JSON.stringify(bin.coverage.issues)).toContain('not on the egress allowlist');
    expect(hub.cdn.requests.length).toBe(before);
  });

  it('stops before any request when CAVRA_EGRESS_PIN does not cover the registry (exit 3)', async () => {
    const before = hub.hub.requests.length;
    const io = captureIO({ HF_ENDPOINT: hub.url, CAVRA_EGRESS_PIN: 'https://registry.internal.example:443' });
    expect(await run(['scan', 'hf://acme/tiny', '--format', 'jsonl'], io)).toBe(3);
    expect(io.err).toContain('EGRESS_DENIED');
    expect(hub.hub.requests.length).toBe(before);
  });

  it('reports an unreachable registry as inconclusive (exit 2), and a malformed reference as usage (exit 3)', async () => {
    const down = captureIO({ HF_ENDPOINT: 'http://127.0.0.1:9' });
    expect(await run(['scan', 'hf://acme/tiny', '--format', 'jsonl'], down)).toBe(2);
    expect(JSON.parse(down.out.trim().split('\n')[0]!).verdict).toBe('inconclusive');
    const bad = captureIO({ HF_ENDPOINT: hub.url });
    expect(await run(['scan', 'hf://', '--format', 'jsonl'], bad)).toBe(3);
    expect(bad.out).toBe('');
  });
});
