import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVIL_PICKLE } from '../../connectors/testkit/fixtures.js';
import { HfServer } from '../../connectors/testkit/hf-server.js';
import { verifyLedger } from '../../evidence/ledger/verify.js';
import { generateSigningKeys } from '../../evidence/signing/generate.js';
import type { GateOutcome } from '../types.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'cli', 'bin.js');
const TOKEN = 'sigterm-test-token-0123456789';

let hub: HfServer | undefined;
afterAll(() => hub?.close());

// Spawns the built CLI (run `npm run build` first; `npm test` does).
describe.skipIf(!existsSync(bin))('cavra-scan serve (built CLI): SIGTERM during a scan', () => {
  it('finishes the in-flight gate, records its evidence, and exits 0', async () => {
    hub = await HfServer.start({
      repos: [
        {
          id: 'acme/slow',
          sha: 'f'.repeat(40),
          files: [{ path: 'model.pkl', bytes: EVIL_PICKLE, lfs: true }],
        },
      ],
    });
    hub.cdn.inject({ path: /.*/, times: 1, delayMs: 1500 });
    const dir = mkdtempSync(join(tmpdir(), 'cavra-serve-'));
    const keys = generateSigningKeys(join(dir, 'keys'));
    writeFileSync(join(dir, 'token'), TOKEN + '\n');
    const evidenceDir = join(dir, 'evidence');
    const child = spawn(
      process.execPath,
      [
        bin,
        'serve',
        '--host=127.0.0.1',
        '--port=0',
        `--token-file=${join(dir, 'token')}`,
        `--evidence-dir=${evidenceDir}`,
        `--key=${keys.privatePath}`,
        '--registry-attempts=1',
      ],
      { env: { PATH: process.env.PATH, HF_ENDPOINT: hub.url, CAVRA_EGRESS_ALLOW: hub.cdn.url }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 8000);
      child.stderr.on('data', () => {
        const m = /serving on (http:\/\/\S+)/.exec(stderr);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const answer = fetch(`${url}/v1/gate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'hf://acme/slow' }),
    });
    // Wait until the download has started (the CDN delays its answer), then ask the service to stop.
    for (let i = 0; i < 100 && hub.cdn.requests.length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(hub.cdn.requests.length).toBe(1);
    child.kill('SIGTERM');

    const res = await answer;
    expect(res.status).toBe(200);
    const o = (await res.json()) as GateOutcome;
    expect(o).toMatchObject({ decision: 'block', exit_code: 1, evidence: { reused: false } });
    expect(await exited).toBe(0);
    expect(stderr).toContain('shutting down');
    expect(stderr).toContain('stopped');
    // nothing lost: the evidence of the in-flight decision is in the ledger, and the ledger verifies
    const v = verifyLedger(evidenceDir);
    expect(v.problems).toEqual([]);
    expect(v.records).toBe(1);
  }, 20_000);
});
