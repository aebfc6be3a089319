import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envelopeDigest } from '../dsse/envelope.js';
import { trustedKey, verifyEnvelope, type TrustedKey } from '../dsse/verify.js';
import { verifyModelSigningBundle } from '../model-signing/bundle.js';
import { checkStatement } from '../schemas/validate.js';
import { IN_TOTO_PAYLOAD_TYPE, type Subject } from '../statement/types.js';
import { openIndex, type RecordRow } from './db.js';
import { readHead } from './head.js';
import { toView, type RowView } from './ledger.js';
import { LEDGER_LAYOUT } from './paths.js';
import { GENESIS_HASH, recordHash } from './record-hash.js';

/** Why a ledger does not verify. */
export type LedgerProblemCode =
  | 'LEDGER_MISSING'
  | 'SEQ_GAP'
  | 'CHAIN_BROKEN'
  | 'RECORD_HASH_MISMATCH'
  | 'FILE_MISSING'
  | 'ENVELOPE_DIGEST_MISMATCH'
  | 'ENVELOPE_MALFORMED'
  | 'SIGNATURE_INVALID'
  | 'KEY_UNTRUSTED'
  | 'PAYLOAD_TYPE'
  | 'SCHEMA_INVALID'
  | 'SUBJECT_MISMATCH'
  | 'ORPHAN_FILE'
  | 'HEAD_MISSING'
  | 'HEAD_INVALID'
  | 'HEAD_MISMATCH';

export interface LedgerProblem {
  code: LedgerProblemCode;
  /** The failing record (seq and file) when there is one. */
  seq?: number;
  file?: string;
  message: string;
}

export interface LedgerVerification {
  ok: boolean;
  records: number;
  problems: LedgerProblem[];
  /** True when no --public-key was given and the keys stored in the ledger itself were used. */
  keysFromLedger: boolean;
}

function ledgerKeys(dir: string): KeyObject[] {
  const kdir = join(dir, LEDGER_LAYOUT.keys);
  if (!existsSync(kdir)) return [];
  const keys: KeyObject[] = [];
  for (const n of readdirSync(kdir)) {
    try {
      keys.push(createPublicKey(readFileSync(join(kdir, n))));
    } catch {
      // an unreadable stored key is simply not trusted
    }
  }
  return keys;
}

const sameSubjects = (a: readonly Subject[], b: readonly Subject[]): boolean =>
  a.length === b.length &&
  a.every((s, i) => s.name === b[i]?.name && s.digest?.sha256 === b[i]?.digest?.sha256);

/** Check one record's file, signature, payload and subjects. */
function checkRecord(
  dir: string,
  rec: RowView,
  keys: readonly TrustedKey[],
  problems: LedgerProblem[],
): void {
  const at = { seq: rec.seq, file: rec.file };
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, LEDGER_LAYOUT.records, rec.file));
  } catch {
    problems.push({ ...at, code: 'FILE_MISSING', message: 'envelope file is missing' });
    return;
  }
  if (envelopeDigest(bytes) !== rec.envelopeSha256)
    problems.push({
      ...at,
      code: 'ENVELOPE_DIGEST_MISMATCH',
      message: 'file differs from the digest in the index',
    });
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    problems.push({ ...at, code: 'ENVELOPE_MALFORMED', message: 'file is not JSON' });
    return;
  }
  let subjects: Subject[];
  if (rec.kind === 'model-signing') {
    const v = verifyModelSigningBundle(
      doc,
      keys.map((k) => k.key),
    );
    if (!v.ok) return void problems.push({ ...at, code: v.code as LedgerProblemCode, message: v.message });
    subjects = v.statement.subject;
  } else {
    const v = verifyEnvelope(doc, keys, [IN_TOTO_PAYLOAD_TYPE]);
    if (!v.ok) return void problems.push({ ...at, code: v.code, message: v.message });
    let st: { subject: Subject[] };
    try {
      st = JSON.parse(v.payload.toString('utf8')) as { subject: Subject[] };
    } catch {
      return void problems.push({ ...at, code: 'ENVELOPE_MALFORMED', message: 'payload is not JSON' });
    }
    const schema = checkStatement(st);
    if (!schema.ok) problems.push({ ...at, code: 'SCHEMA_INVALID', message: schema.error });
    subjects = Array.isArray(st.subject) ? st.subject : [];
  }
  if (!sameSubjects(subjects, rec.subjects))
    problems.push({ ...at, code: 'SUBJECT_MISMATCH', message: 'signed subjects differ from the index' });
}

/**
 * Verify an evidence directory: every record's hash and link to the previous one, every envelope's digest,
 * signature and subjects, files the index does not know, and the signed head. Read-only.
 */
export function verifyLedger(dir: string, publicKeys?: readonly KeyObject[]): LedgerVerification {
  const keysFromLedger = !publicKeys || publicKeys.length === 0;
  const keys = (keysFromLedger ? ledgerKeys(dir) : publicKeys).map(trustedKey);
  const problems: LedgerProblem[] = [];
  const indexPath = join(dir, LEDGER_LAYOUT.index);
  if (!existsSync(indexPath))
    return {
      ok: false,
      records: 0,
      problems: [{ code: 'LEDGER_MISSING', message: `no ledger index at ${indexPath}` }],
      keysFromLedger,
    };
  const db = openIndex(indexPath, true);
  let rows: RecordRow[];
  try {
    rows = db.prepare('SELECT * FROM records ORDER BY seq').all() as RecordRow[];
  } finally {
    db.close();
  }
  let prev = GENESIS_HASH;
  let expectSeq = 1;
  const byHash = new Map<number, string>();
  for (const row of rows) {
    const rec = toView(row);
    const at = { seq: rec.seq, file: rec.file };
    if (rec.seq !== expectSeq)
      problems.push({ ...at, code: 'SEQ_GAP', message: `expected record ${expectSeq}, found ${rec.seq}` });
    expectSeq = rec.seq + 1;
    const computed = recordHash({
      seq: row.seq,
      kind: row.kind,
      file: row.file,
      envelopeSha256: row.envelope_sha256,
      subjects: row.subjects,
      source: row.source,
      createdAt: row.created_at,
      prevHash: row.prev_hash,
    });
    if (computed !== row.record_hash)
      problems.push({
        ...at,
        code: 'RECORD_HASH_MISMATCH',
        message: 'index row was edited (hash does not match its fields)',
      });
    if (row.prev_hash !== prev)
      problems.push({
        ...at,
        code: 'CHAIN_BROKEN',
        message: 'previous-record hash does not match (a record was removed or edited)',
      });
    prev = row.record_hash;
    byHash.set(row.seq, row.record_hash);
    checkRecord(dir, rec, keys, problems);
  }
  const known = new Set(rows.map((r) => r.file));
  const recDir = join(dir, LEDGER_LAYOUT.records);
  for (const n of existsSync(recDir) ? readdirSync(recDir) : []) {
    if (!known.has(n) && !n.startsWith('.'))
      problems.push({
        code: 'ORPHAN_FILE',
        file: n,
        message: 'file is not in the index (its record was removed?)',
      });
  }
  const head = readHead(dir, keys);
  if (!head.ok) problems.push({ code: head.code, message: head.message });
  else if (head.head === null) {
    if (rows.length > 0) problems.push({ code: 'HEAD_MISSING', message: 'signed head is missing' });
  } else if (byHash.get(head.head.seq) !== head.head.recordHash) {
    problems.push({
      code: 'HEAD_MISMATCH',
      seq: head.head.seq,
      message: `signed head names record ${head.head.seq}, which is missing or different`,
    });
  }
  return { ok: problems.length === 0, records: rows.length, problems, keysFromLedger };
}
