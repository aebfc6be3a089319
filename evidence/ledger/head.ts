import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeEnvelope, signEnvelope } from '../dsse/envelope.js';
import type { TrustedKey } from '../dsse/verify.js';
import { verifyEnvelope } from '../dsse/verify.js';
import type { Signer } from '../signing/signer.js';
import { writeFileAtomic } from './atomic-write.js';
import { LEDGER_LAYOUT } from './paths.js';

/**
 * The signed head: the last record's seq and hash, signed with the evidence key. The hash chain alone can be
 * recomputed by anyone who can write the index; the signed head makes dropping records from the end (and
 * re-chaining after a deletion) detectable without the key. A head that lags the index (crash between commit
 * and head write) is fine: records after it are still individually signed.
 */
export const LEDGER_HEAD_PAYLOAD_TYPE = 'application/vnd.cavra.ledger-head+json';

export interface LedgerHead {
  seq: number;
  recordHash: string;
  at: string;
}

export async function writeHead(dir: string, head: LedgerHead, signer: Signer): Promise<void> {
  const env = await signEnvelope(LEDGER_HEAD_PAYLOAD_TYPE, Buffer.from(JSON.stringify(head)), [signer]);
  writeFileAtomic(dir, LEDGER_LAYOUT.head, serializeEnvelope(env), 0o644);
}

export type HeadCheck =
  { ok: true; head: LedgerHead | null } | { ok: false; code: 'HEAD_INVALID'; message: string };

/** Read and verify the head; `head: null` when there is none. */
export function readHead(dir: string, keys: readonly TrustedKey[]): HeadCheck {
  let text: string;
  try {
    text = readFileSync(join(dir, LEDGER_LAYOUT.head), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, head: null };
    return { ok: false, code: 'HEAD_INVALID', message: `cannot read head: ${(err as Error).message}` };
  }
  let env: unknown;
  try {
    env = JSON.parse(text);
  } catch {
    return { ok: false, code: 'HEAD_INVALID', message: 'head is not JSON' };
  }
  const v = verifyEnvelope(env, keys, [LEDGER_HEAD_PAYLOAD_TYPE]);
  if (!v.ok) return { ok: false, code: 'HEAD_INVALID', message: `head signature: ${v.code}` };
  const head = JSON.parse(v.payload.toString('utf8')) as LedgerHead;
  if (!Number.isSafeInteger(head.seq) || typeof head.recordHash !== 'string')
    return { ok: false, code: 'HEAD_INVALID', message: 'head payload malformed' };
  return { ok: true, head };
}
