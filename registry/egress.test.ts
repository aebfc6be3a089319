import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../cli/main.js';
import { HfServer } from '../connectors/testkit/hf-server.js';
import { captureIO } from '../test-support/capture-io.js';
import { runRegistry, workspace, writeConfig } from './testkit.js';

const SHA = 'a'.repeat(40);
const BYTES = new TextEncoder().encode('{"model_type": "tiny"}');

describe('cavra-scan registry: egress', () => {
  const open: HfServer[] = [];
  afterAll(async () => Promise.all(open.map((s) => s.close())));

  it('stops with EGRESS_DENIED (exit 3) before any request when CAVRA_EGRESS_PIN does not cover a registry', async () => {
    const hf = await HfServer.start({
      repos: [{ id: 'acme/tiny', sha: SHA, files: [{ path: 'config.json', bytes: BYTES }] }],
    });
    open.push(hf);
    const ws = await workspace();
    const config = writeConfig(
      ws.root,
      `registries:\n  - kind: huggingface\n    endpoint: ${hf.url}\n    scopes: [{ models: [acme/tiny] }]\n`,
    );
    const io = captureIO({ CAVRA_EGRESS_PIN: 'https://models.internal.example' });
    expect(await run(['registry', '--config', config, '--state-dir', ws.state], io)).toBe(3);
    expect(io.err).toContain('EGRESS_DENIED');
    expect(hf.hub.requests).toHaveLength(0);
    // With the pin covering the hub, the same run goes through.
    const ok = await runRegistry(['--config', config, '--state-dir', ws.state], { CAVRA_EGRESS_PIN: hf.url });
    expect(ok.code).toBe(0);
    expect(hf.hub.requests.length).toBeGreaterThan(0);
  });
});
