import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeEnvelope, signEnvelope } from '../dsse/envelope.js';
import { createKeySigner } from '../signing/key-signer.js';
import { buildModelScanStatement } from '../statement/build.js';
import { fakeResult, SCANNER } from '../statement/fixtures.test-support.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../statement/types.js';
import { Ledger } from './ledger.js';
import { verifyLedger } from './verify.js';

const signer = createKeySigner(generateKeyPairSync('ed25519').privateKey);
let dir: string;

async function appendScan(ledger: Ledger, name: string) {
  const st = buildModelScanStatement(
    [fakeResult(`/m/${name}`, name)],
    undefined,
    { reference: '/m' },
    SCANNER,
    new Date(),
  );
  const env = await signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(st)), [signer]);
  return ledger.append(
    { kind: 'scan', bytes: serializeEnvelope(env), subjects: st.subject, source: '/m' },
    signer,
  );
}

async function ledgerWith(n: number): Promise<Ledger> {
  const ledger = Ledger.open(dir);
  ledger.storePublicKey(signer);
  for (let i = 0; i < n; i++) await appendScan(ledger, `f${i}`);
  return ledger;
}

/** Edit the index like an attacker would: drop the append-only triggers first. */
function tamperIndex(sql: string): void {
  const db = new Database(join(dir, 'index.sqlite'));
  db.exec('DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete;');
  db.exec(sql);
  db.close();
}

const codes = () => verifyLedger(dir, [signer.publicKey]).problems.map((p) => p.code);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cavra-ledger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ledger', () => {
  it('appends chained records that verify', async () => {
    const ledger = await ledgerWith(3);
    const recs = ledger.records();
    expect(recs.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(recs[1]!.prevHash).toBe(recs[0]!.recordHash);
    expect(ledger.pending().map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, 'records')).filter((n) => n.endsWith('.dsse.json'))).toHaveLength(3);
    ledger.close();
    expect(verifyLedger(dir, [signer.publicKey])).toMatchObject({
      ok: true,
      records: 3,
      problems: [],
      keysFromLedger: false,
    });
    expect(verifyLedger(dir)).toMatchObject({ ok: true, keysFromLedger: true });
  });

  it('refuses UPDATE and DELETE through SQLite', async () => {
    (await ledgerWith(1)).close();
    const db = new Database(join(dir, 'index.sqlite'));
    expect(() => db.exec('DELETE FROM records')).toThrow(/append-only/);
    expect(() => db.exec("UPDATE records SET source = 'x'")).toThrow(/append-only/);
    db.close();
  });

  it('one flipped byte of an envelope payload fails', async () => {
    (await ledgerWith(2)).close();
    const file = join(dir, 'records', readdirSync(join(dir, 'records')).sort()[0]!);
    const env = JSON.parse(readFileSync(file, 'utf8'));
    const body = Buffer.from(env.payload, 'base64');
    body[40] = body[40]! ^ 1;
    env.payload = body.toString('base64');
    writeFileSync(file, JSON.stringify(env) + '\n');
    const r = verifyLedger(dir, [signer.publicKey]);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.code, p.seq])).toEqual(
      expect.arrayContaining([
        ['ENVELOPE_DIGEST_MISMATCH', 1],
        ['SIGNATURE_INVALID', 1],
      ]),
    );
  });

  it('a flipped signature byte fails', async () => {
    (await ledgerWith(1)).close();
    const file = join(dir, 'records', readdirSync(join(dir, 'records'))[0]!);
    const env = JSON.parse(readFileSync(file, 'utf8'));
    const sig = Buffer.from(env.signatures[0].sig, 'base64');
    sig[0] = sig[0]! ^ 1;
    env.signatures[0].sig = sig.toString('base64');
    writeFileSync(file, JSON.stringify(env) + '\n');
    expect(codes()).toContain('SIGNATURE_INVALID');
  });

  it('an edited index record fails (record hash)', async () => {
    (await ledgerWith(2)).close();
    tamperIndex(`UPDATE records SET subjects = '[]' WHERE seq = 2`);
    expect(codes()).toEqual(expect.arrayContaining(['RECORD_HASH_MISMATCH', 'SUBJECT_MISMATCH']));
  });

  it('a deleted middle record breaks the chain', async () => {
    (await ledgerWith(3)).close();
    tamperIndex('DELETE FROM records WHERE seq = 2');
    expect(codes()).toEqual(expect.arrayContaining(['SEQ_GAP', 'CHAIN_BROKEN', 'ORPHAN_FILE']));
  });

  it('dropping the last record and its file is caught by the signed head', async () => {
    (await ledgerWith(3)).close();
    tamperIndex('DELETE FROM records WHERE seq = 3');
    const file = readdirSync(join(dir, 'records')).sort()[2]!;
    unlinkSync(join(dir, 'records', file));
    expect(codes()).toEqual(['HEAD_MISMATCH']);
  });

  it('a missing envelope file is named', async () => {
    (await ledgerWith(2)).close();
    const file = readdirSync(join(dir, 'records')).sort()[1]!;
    unlinkSync(join(dir, 'records', file));
    const r = verifyLedger(dir, [signer.publicKey]);
    expect(r.problems).toEqual([{ code: 'FILE_MISSING', seq: 2, file, message: expect.any(String) }]);
  });

  it('envelopes signed by another key fail with --public-key', async () => {
    (await ledgerWith(1)).close();
    expect(verifyLedger(dir, [generateKeyPairSync('ed25519').publicKey]).problems.map((p) => p.code)).toEqual(
      expect.arrayContaining(['KEY_UNTRUSTED', 'HEAD_INVALID']),
    );
  });

  it('recovery removes temp files and quarantines never-indexed files', async () => {
    (await ledgerWith(1)).close();
    writeFileSync(join(dir, 'records', '.tmp-0000000002-x.dsse.json.abc'), '{"half');
    writeFileSync(join(dir, 'records', '0000000002-deadbeef.dsse.json'), '{}');
    expect(codes()).toContain('ORPHAN_FILE');
    Ledger.open(dir).close();
    expect(readdirSync(join(dir, 'records'))).toHaveLength(1);
    expect(readdirSync(join(dir, 'orphans'))).toEqual(['0000000002-deadbeef.dsse.json']);
    expect(verifyLedger(dir, [signer.publicKey]).ok).toBe(true);
  });

  it('tracks delivery state outside the chain', async () => {
    const ledger = await ledgerWith(2);
    ledger.markFailed(1, 'HTTP 503');
    ledger.markDelivered(2);
    expect(ledger.delivery(1)).toMatchObject({ state: 'pending', attempts: 1, last_error: 'HTTP 503' });
    expect(ledger.pending().map((r) => r.seq)).toEqual([1]);
    expect(ledger.countPending()).toBe(1);
    ledger.close();
    expect(verifyLedger(dir, [signer.publicKey]).ok).toBe(true);
  });
});
