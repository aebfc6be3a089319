import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../ledger/ledger.js';
import { openEvidence, type EvidenceOptions } from '../record.js';
import { createKeySigner } from '../signing/key-signer.js';
import { fakeResult } from '../statement/fixtures.test-support.js';
import { resolveControlPlane } from './control-plane.js';
import { FaultServer } from './fault-server.test-support.js';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from './retry.js';

let dir: string;
let server: FaultServer;
const signer = createKeySigner(generateKeyPairSync('ed25519').privateKey);
const delays: number[] = [];

function options(url: string | undefined, over: Partial<EvidenceOptions> = {}): EvidenceOptions {
  return {
    env: { CAVRA_CONTROL_PLANE_TOKEN: 'tok-123' },
    evidenceDir: dir,
    signer,
    ...(url ? { url } : {}),
    timeoutMs: 300,
    outbox: {
      sleep: async (ms) => void delays.push(ms),
      random: () => 0.25,
      retry: { ...DEFAULT_RETRY, maxAttempts: 5 },
    },
    ...over,
  };
}

async function recordN(url: string | undefined, n: number, from = 0) {
  const s = await openEvidence(options(url));
  for (let i = from; i < from + n; i++)
    await s.record([fakeResult(`/m/f${i}`, `content ${i}`)], undefined, { reference: '/m' });
  return s;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cavra-outbox-'));
  server = new FaultServer();
  delays.length = 0;
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox delivery', () => {
  it('survives reset, timeout, 429 and 500; every record stored exactly once', async () => {
    const url = await server.start();
    server.faults = ['reset', 'hang-after-store', 429, 500];
    const s = await recordN(url, 4);
    const report = await s.flush();
    expect(report).toEqual({ delivered: 4, pending: 0, rejected: 0 });
    expect(server.stored.size).toBe(4);
    // The timed-out request was stored, then replayed with the same key and acknowledged once more (200, not 201).
    const keys = server.requests.map((r) => r.key);
    expect(keys.filter((k) => k === keys[0]).length).toBe(5);
    expect(new Set(keys).size).toBe(4);
    expect(server.requests.every((r) => r.auth === 'Bearer tok-123')).toBe(true);
    // Full jitter with random() = 0.25 after the reset, the timeout and the 500; Retry-After: 2 honoured after the 429.
    expect(delays).toEqual([125, 250, 2000, 1000]);
    await s.close();
  });

  it('keeps evidence queued through an outage and delivers it once on the next run', async () => {
    const down = await server.start();
    await server.close(); // nothing listens any more: connection refused
    const s1 = await recordN(down, 3);
    const r1 = await s1.flush();
    expect(r1).toMatchObject({ delivered: 0, pending: 3 });
    expect(r1.stoppedBy).toMatch(/network error/);
    await s1.close();

    server = new FaultServer();
    const up = await server.start();
    const s2 = await recordN(up, 1, 3);
    expect(await s2.flush()).toEqual({ delivered: 4, pending: 0, rejected: 0 });
    expect(await s2.flush()).toEqual({ delivered: 0, pending: 0, rejected: 0 });
    expect(server.stored.size).toBe(4);
    expect(server.requests).toHaveLength(4);
    await s2.close();
  });

  it('stops on 401 and keeps everything queued', async () => {
    const url = await server.start();
    server.faults = [401];
    const s = await recordN(url, 2);
    expect(await s.flush()).toMatchObject({ delivered: 0, pending: 2, stoppedBy: 'HTTP 401' });
    await s.close();
  });

  it('a payload that fails the outbound schema is not sent, and the failure is recorded', async () => {
    const url = await server.start();
    const s = await recordN(url, 1);
    await s.close();
    // Append a correctly signed envelope whose statement carries a field the schema forbids.
    const ledger = Ledger.open(dir);
    const { signEnvelope, serializeEnvelope } = await import('../dsse/envelope.js');
    const bad = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [],
      predicateType: 'https://cavra.dev/attestations/model-scan/v1',
      predicate: { modelBytes: 'AAAA' },
    };
    const env = await signEnvelope('application/vnd.in-toto+json', Buffer.from(JSON.stringify(bad)), [
      signer,
    ]);
    const rec = await ledger.append(
      { kind: 'scan', bytes: serializeEnvelope(env), subjects: [], source: '/x' },
      signer,
    );
    ledger.close();
    const s2 = await openEvidence(options(url));
    expect(await s2.flush()).toEqual({ delivered: 1, pending: 0, rejected: 1 });
    expect(server.stored.size).toBe(1);
    await s2.close();
    const l = Ledger.open(dir);
    expect(l.delivery(rec.seq)).toMatchObject({
      state: 'rejected',
      last_error: expect.stringMatching(/^not sent( \(egress check\))?: statement/),
    });
    l.close();
  });

  it('without a control plane evidence stays local', async () => {
    const s = await recordN(undefined, 2);
    expect(s.controlPlane).toBe(false);
    expect(await s.flush()).toEqual({ delivered: 0, pending: 2, rejected: 0 });
    await s.close();
  });
});

describe('control-plane configuration', () => {
  it('allows https and loopback http only, never credentials in the URL', () => {
    expect(resolveControlPlane({ url: 'https://cp.example/base/' }, {})?.endpoint.href).toBe(
      'https://cp.example/base/v1/evidence',
    );
    expect(resolveControlPlane({}, {})).toBeNull();
    expect(() => resolveControlPlane({ url: 'http://cp.example' }, {})).toThrow(/https/);
    expect(() => resolveControlPlane({ url: 'https://u:p@cp.example' }, {})).toThrow(/credentials/);
  });

  it('reads the token from a file (flag or env path) or from the env value', () => {
    const f = join(dir, 'token');
    writeFileSync(f, 'abc\n');
    expect(resolveControlPlane({ url: 'https://x', tokenFile: f }, {})?.token).toBe('abc');
    expect(resolveControlPlane({ url: 'https://x' }, { CAVRA_CONTROL_PLANE_TOKEN: f })?.token).toBe('abc');
    expect(resolveControlPlane({ url: 'https://x' }, { CAVRA_CONTROL_PLANE_TOKEN: 'xyz' })?.token).toBe(
      'xyz',
    );
    expect(() => resolveControlPlane({ url: 'https://x', tokenFile: join(dir, 'nope') }, {})).toThrow(
      /token file/,
    );
  });

  it('retry helpers: Retry-After seconds and dates, jittered backoff', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(backoffDelay(3, DEFAULT_RETRY, () => 0.999)).toBeLessThan(4000);
    expect(backoffDelay(30, DEFAULT_RETRY, () => 0.999)).toBeLessThan(30_000);
  });
});
