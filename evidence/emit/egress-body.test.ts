import { generateKeyPairSync } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../ledger/ledger.js';
import { createReceiver, type ReceiverEvent } from '../receiver/server.js';
import { openEvidence } from '../record.js';
import { createKeySigner } from '../signing/key-signer.js';
import { fakeResult } from '../statement/fixtures.test-support.js';
import { EVIDENCE_LIMITS } from '../limits.js';
import { buildEgressPolicy } from './egress-allowlist.js';
import { checkOutboundBody, EGRESS_BODY_LIMITS, outboundBodyLimit } from './egress-body.js';
import { flushWithEgressGuard, guardTransport } from './egress-flush.js';
import { createHttpTransport } from './transport.js';

const signer = createKeySigner(generateKeyPairSync('ed25519').privateKey);
let dir: string;
let server: Server;
let url: string;
let events: ReceiverEvent[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cavra-egress-body-'));
  events = [];
  server = createReceiver({ storeDir: join(dir, 'store'), publicKeys: [signer.publicKey] }, (e) =>
    events.push(e),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** Record one statement locally (no control plane) and return its envelope bytes. */
async function recordOne(evDir: string, n = 2): Promise<Buffer> {
  const s = await openEvidence({ env: {}, evidenceDir: evDir, signer });
  const results = Array.from({ length: n }, (_, i) => fakeResult(`/m/f${i}.bin`, `content ${i}`));
  const rec = await s.record(results, undefined, { reference: '/m' });
  await s.close();
  return readFileSync(join(evDir, 'records', rec.file));
}

/** The same envelope with 1 MiB of JSON whitespace inside: schema-valid, but a channel for hidden data. */
function padded(body: Buffer): Buffer {
  const text = body.toString('utf8');
  return Buffer.from(text.replace('{"payload"', `{${' \t'.repeat(512 * 1024)}"payload"`), 'utf8');
}

function maxStatementEnvelope(ch: string): Buffer {
  const name = ch.repeat(EVIDENCE_LIMITS.maxNameLength);
  const id = 'x'.repeat(EVIDENCE_LIMITS.maxIdLength);
  const sha = 'a'.repeat(64);
  const st = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { sha256: sha } }],
    predicateType: 'https://cavra.dev/attestations/model-scan/v1',
    predicate: {
      scanner: { name: id, version: id },
      rules: { version: id },
      policy: { id, sha256: sha },
      source: { reference: name, registry: id, version: ch.repeat(128), digest: ch.repeat(128) },
      verdict: 'malicious',
      decision: 'block',
      riskScore: 1000000,
      coverage: {
        complete: false,
        scanned: 9007199254740991,
        data: 9007199254740991,
        unlisted: 9007199254740991,
        issues: [{ artifact: name, member: name, code: id }],
        issuesOmitted: 9007199254740991,
      },
      artifacts: [
        {
          name,
          sha256: sha,
          size: 9007199254740991,
          format: id,
          verdict: 'malicious',
          complete: false,
          findings: 9007199254740991,
        },
      ],
      artifactsOmitted: 9007199254740991,
      findings: [1, 2].map(() => ({
        ruleId: id,
        severity: 'critical',
        artifact: name,
        member: name,
        offset: 9007199254740991,
        callable: ch.repeat(256),
      })),
      findingsOmitted: 9007199254740991,
      startedOn: '2025-01-01T00:00:00.123456789Z',
      finishedOn: '2025-01-01T00:00:00.123456789Z',
    },
  };
  const sigs = Array.from({ length: 8 }, () => ({ keyid: 'b'.repeat(64), sig: 'A'.repeat(1024) }));
  const payload = Buffer.from(JSON.stringify(st), 'utf8').toString('base64');
  return Buffer.from(
    JSON.stringify({ payload, payloadType: 'application/vnd.in-toto+json', signatures: sigs }) + '\n',
  );
}

describe('outbound evidence body check', () => {
  it('accepts real envelopes, far below the per-artifact bound', async () => {
    const body = await recordOne(join(dir, 'ev'), 3);
    expect(checkOutboundBody(body)).toEqual({ ok: true });
    expect(body.length).toBeLessThan(outboundBodyLimit({ artifacts: 3, findings: 0, issues: 0 }) / 10);
  });

  it('never rejects a schema-valid statement at its maximum sizes (the bound is derived from the schema)', () => {
    for (const ch of ['\u0001', '\u{1D538}', '"']) {
      const body = maxStatementEnvelope(ch);
      expect(checkOutboundBody(body), JSON.stringify(ch)).toEqual({ ok: true });
      expect(body.length).toBeGreaterThan(EGRESS_BODY_LIMITS.perArtifactBytes / 2);
    }
  });

  it('rejects whitespace-padded bodies, extra fields and non-evidence', async () => {
    const body = await recordOne(join(dir, 'ev'));
    const pad = checkOutboundBody(padded(body));
    expect(pad.ok).toBe(false);
    expect(!pad.ok && pad.error).toMatch(/over the bound of \d+ for 2 artifact\(s\)/);
    const env = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    expect(checkOutboundBody(Buffer.from(JSON.stringify({ ...env, note: 'x' }))).ok).toBe(false);
    expect(checkOutboundBody(Buffer.from('model bytes')).ok).toBe(false);
  });

  it('bound grows with counts only', () => {
    const a = outboundBodyLimit({ artifacts: 1, findings: 0, issues: 0 });
    expect(outboundBodyLimit({ artifacts: 2, findings: 0, issues: 0 }) - a).toBe(
      EGRESS_BODY_LIMITS.perArtifactBytes,
    );
    expect(outboundBodyLimit({ artifacts: 1, findings: 1, issues: 1 }) - a).toBe(
      EGRESS_BODY_LIMITS.perFindingBytes + EGRESS_BODY_LIMITS.perIssueBytes,
    );
  });
});

describe('flushWithEgressGuard', () => {
  it('does not send a failing record, records why, and delivers the rest', async () => {
    const evDir = join(dir, 'ev');
    const good = await recordOne(evDir);
    const ledger = Ledger.open(evDir);
    const bad = padded(good);
    const row = await ledger.append(
      {
        kind: 'scan',
        bytes: bad,
        subjects: [{ name: '/m/f0.bin', digest: { sha256: 'a'.repeat(64) } }],
        source: '/m',
      },
      signer,
    );
    const cp = new URL(`${url}/v1/evidence`);
    const transport = createHttpTransport({ endpoint: cp, token: null, timeoutMs: 5000 }, {});
    const report = await flushWithEgressGuard(
      ledger,
      transport,
      buildEgressPolicy({ registries: [], controlPlane: cp }),
      cp,
    );
    expect(report).toEqual({ delivered: 1, pending: 0, rejected: 1 });
    expect(ledger.delivery(row.seq)).toMatchObject({
      state: 'rejected',
      last_error: expect.stringContaining('not sent (egress check): envelope is'),
    });
    expect(events.map((e) => e.status)).toEqual([201]);
    ledger.close();
    await transport.close();
  });

  it('refuses a control plane that is not on the allowlist before any connection', async () => {
    const evDir = join(dir, 'ev');
    await recordOne(evDir);
    const ledger = Ledger.open(evDir);
    const sockets: unknown[] = [];
    const onSocket = (m: unknown) => sockets.push(m);
    diagnostics_channel.subscribe('net.client.socket', onSocket);
    const cp = new URL(`${url}/v1/evidence`);
    const transport = createHttpTransport({ endpoint: cp, token: null, timeoutMs: 5000 }, {});
    const policy = buildEgressPolicy({
      registries: ['https://huggingface.co'],
      controlPlane: 'https://cp.example.com',
    });
    try {
      await expect(flushWithEgressGuard(ledger, transport, policy, cp)).rejects.toMatchObject({
        code: 'EGRESS_DENIED',
      });
      expect(() => guardTransport(transport, policy, cp)).toThrow(
        /control plane: http:\/\/127.0.0.1:\d+ is not on the egress allowlist/,
      );
    } finally {
      diagnostics_channel.unsubscribe('net.client.socket', onSocket);
    }
    expect(sockets).toEqual([]);
    expect(events).toEqual([]);
    expect(ledger.countPending()).toBe(1);
    ledger.close();
    await transport.close();
  });
});
