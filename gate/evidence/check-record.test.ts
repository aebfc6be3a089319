import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openIndex, type RecordRow } from '../../evidence/ledger/db.js';
import { generateSigningKeys } from '../../evidence/signing/generate.js';
import { loadPrivateKey } from '../../evidence/signing/keys.js';
import type { ArtifactResult } from '../../scanner/result.js';
import { listingFingerprint } from '../fingerprint.js';
import type { ResolvedModel, ReuseQuery } from '../ports.js';
import { checkRecord } from './check-record.js';
import { openLedgerStore } from './ledger-store.js';
import { createPublicKey } from 'node:crypto';

const SHA = 'ab'.repeat(32);
const NAME = 'hf://acme/m@' + 'a'.repeat(40) + '/model.safetensors';

function model(over: Partial<ResolvedModel> = {}, sha = SHA): ResolvedModel {
  const artifacts = [{ name: NAME, size: 10, digests: [{ algorithm: 'sha256', value: sha }] }];
  return {
    reference: 'hf://acme/m@' + 'a'.repeat(40),
    registry: 'huggingface',
    version: 'a'.repeat(40),
    artifacts,
    fingerprint: listingFingerprint('hf://acme/m@' + 'a'.repeat(40), 'x', artifacts),
    scope: { registry: 'huggingface', model: 'acme/m' },
    ...over,
  };
}

const result: ArtifactResult = {
  path: NAME,
  sha256: SHA,
  size: 10,
  format: 'safetensors',
  verdict: 'clean',
  findings: [],
  coverage: {
    complete: true,
    scanned: [{ member: '', format: 'safetensors' }],
    data: [],
    issues: [],
    unlisted: 0,
  },
  durationMs: 1,
};

async function recorded(): Promise<{
  row: RecordRow;
  bytes: Buffer;
  keyFile: string;
  store: Awaited<ReturnType<typeof openLedgerStore>>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'cavra-check-'));
  const keys = generateSigningKeys(join(dir, 'keys'));
  const store = await openLedgerStore({ env: {}, keyFile: keys.privatePath, evidenceDir: join(dir, 'ev') });
  const m = model();
  await store.record({
    results: [result],
    decision: { decision: 'allow', riskScore: 0, policy: { id: 'baseline', sha256: 'cd'.repeat(32) } },
    model: m,
    startedAt: new Date(),
    finishedAt: new Date(),
  });
  const db = openIndex(join(dir, 'ev', 'index.sqlite'), true);
  const row = db.prepare('SELECT * FROM records').get() as RecordRow;
  db.close();
  return { row, bytes: readFileSync(join(dir, 'ev', 'records', row.file)), keyFile: keys.privatePath, store };
}

describe('checkRecord: when signed evidence may stand in for a scan', () => {
  it('accepts its own fresh record and refuses every changed condition', async () => {
    const { row, bytes, keyFile, store } = await recorded();
    const key = createPublicKey(loadPrivateKey(keyFile));
    const q: ReuseQuery = {
      model: model(),
      policySha256: 'cd'.repeat(32),
      rulesVersion: store.rulesVersion,
      maxAgeMs: 3_600_000,
      now: new Date(),
    };
    const hit = checkRecord(row, bytes, key, q);
    expect(typeof hit).toBe('object');
    expect(hit).toMatchObject({ decision: 'allow', riskScore: 0, id: row.envelope_sha256 });
    expect(store.findReusable(q)).toMatchObject({ hit: { id: row.envelope_sha256 } });

    const other = generateKeyPairSync('ed25519').publicKey;
    expect(checkRecord(row, bytes, other, q)).toMatch(/KEY_UNTRUSTED|SIGNATURE_INVALID/);
    expect(
      checkRecord(row, Buffer.from(bytes.toString().replace('"payloadType"', '"payloadType" ')), key, q),
    ).toMatch(/tampered/);
    expect(checkRecord({ ...row, source: 'hf://other' }, bytes, key, q)).toMatch(/edited/);
    expect(checkRecord(row, bytes, key, { ...q, model: model({}, 'ef'.repeat(32)) })).toMatch(
      /other files or digests/,
    );
    expect(checkRecord(row, bytes, key, { ...q, policySha256: '00'.repeat(32) })).toMatch(/another policy/);
    expect(checkRecord(row, bytes, key, { ...q, rulesVersion: '9.9.9+rules.x' })).toMatch(/rules/);
    expect(checkRecord(row, bytes, key, { ...q, now: new Date(Date.now() + 7_200_000) })).toMatch(
      /older than --max-age/,
    );
    expect(checkRecord(row, bytes, key, { ...q, now: new Date(Date.now() - 7_200_000) })).toMatch(/future/);
    // the registry states another sha256 for the file, with an otherwise identical listing
    const changed = model();
    changed.artifacts = [
      { ...changed.artifacts[0]!, digests: [{ algorithm: 'sha256', value: 'ef'.repeat(32) }] },
    ];
    expect(
      checkRecord(row, bytes, key, { ...q, model: { ...changed, fingerprint: model().fingerprint } }),
    ).toMatch(/another sha256/);
    await store.close();
  });
});
