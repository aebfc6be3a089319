import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HfServer } from '../connectors/testkit/hf-server.js';
import { registryRun } from './harness/run.js';
import { makeCanaries } from './support/canaries.js';
import { startControlPlane, writeSigningKey, type TestControlPlane } from './support/control-plane.js';
import { commitOf, evilPickle, PICKLE_URL } from './support/laced-repo.js';
import { EgressRecorder } from './support/recorder.js';

let dir: string;
let hf: HfServer;
let cp: TestControlPlane;
let keyFile: string;
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cavra-egress-refusal-'));
  const key = writeSigningKey(dir);
  keyFile = key.keyFile;
  hf = await HfServer.start({
    repos: [
      {
        id: 'egress/evil',
        sha: commitOf('egress/evil'),
        files: [{ path: 'evil.pkl', bytes: evilPickle(makeCanaries()) }],
      },
    ],
  });
  cp = await startControlPlane(join(dir, 'store'), key.publicKey);
});
afterAll(async () => {
  await Promise.all([hf?.close(), cp?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function observed(env: Record<string, string>, controlPlane: string) {
  const rec = new EgressRecorder().start();
  try {
    const summary = await registryRun({
      references: ['hf://egress/evil'],
      env: { HF_ENDPOINT: hf.url, ...env },
      controlPlane,
      keyFile,
      evidenceDir: join(dir, `ev-${n++}`),
    });
    return { summary, rec };
  } finally {
    rec.stop();
  }
}

describe('refusal: misconfiguration or hostile content never opens a connection anywhere else', () => {
  it('a control plane outside the pinned allowlist stops the run with EGRESS_DENIED before any connection', async () => {
    const before = hf.hub.requests.length;
    const { summary, rec } = await observed(
      { CAVRA_EGRESS_PIN: `${hf.url},${cp.url}` },
      'http://localhost:8099',
    );
    expect(summary.error).toEqual({
      code: 'EGRESS_DENIED',
      message: 'control plane (CAVRA_EGRESS_PIN): http://localhost:8099 is not on the egress allowlist',
    });
    expect(summary.records).toBe(0);
    expect(rec.requests).toEqual([]);
    expect(rec.connects).toEqual([]);
    expect(rec.sockets).toEqual([]);
    expect(hf.hub.requests.length).toBe(before);
  });

  it('a plain-http control plane off loopback is refused by configuration (EGRESS_DENIED), no socket opened', async () => {
    const { summary, rec } = await observed({}, 'http://10.203.250.1:8080');
    expect(summary.error?.code).toBe('EGRESS_DENIED');
    expect(rec.sockets).toEqual([]);
    expect(rec.connects).toEqual([]);
  });

  it('a malicious pickle naming a URL is reported, and its URL is never contacted', async () => {
    const { summary, rec } = await observed({ CAVRA_EGRESS_PIN: `${hf.url},${cp.url}` }, cp.url);
    expect(summary.error).toBeUndefined();
    expect(summary.artifacts.map((a) => [a.verdict, a.rules.sort()])).toEqual([
      ['malicious', ['PICKLE-NETWORK', 'PICKLE-OS-EXEC']],
    ]);
    expect(summary.flush?.delivered).toBe(1);
    const target = new URL(PICKLE_URL);
    const allowed = new Set([new URL(hf.url).port, new URL(cp.url).port]);
    expect(rec.connects.filter((c) => c.hostname !== '127.0.0.1' || !allowed.has(c.port))).toEqual([]);
    expect(rec.sockets.filter((s) => s.address === target.hostname || !allowed.has(String(s.port)))).toEqual(
      [],
    );
    expect(rec.sockets.length).toBeGreaterThan(0);
  });
});
