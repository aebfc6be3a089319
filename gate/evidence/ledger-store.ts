import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openIndex, type RecordRow } from '../../evidence/ledger/db.js';
import { LEDGER_LAYOUT } from '../../evidence/ledger/paths.js';
import { openEvidence, type EvidenceOptions } from '../../evidence/record.js';
import { keyIdOf } from '../../evidence/signing/keys.js';
import { CavraError } from '../../scanner/errors.js';
import type { EvidenceStore, ReuseAnswer, ReuseQuery } from '../ports.js';
import { rulesVersion } from '../rules-version.js';
import { checkRecord } from './check-record.js';

/** Newest records looked at per reference before giving up on reuse. */
export const MAX_REUSE_CANDIDATES = 8;

export interface LedgerStore extends EvidenceStore {
  readonly dir: string;
  readonly keyid: string;
}

/**
 * The gate's EvidenceStore on the local ledger (evidence/): records through the evidence session (sign, store
 * durably, queue for the control plane) and looks up reusable records through a read-only view of the index.
 */
export async function openLedgerStore(options: Omit<EvidenceOptions, 'rulesVersion'>): Promise<LedgerStore> {
  const version = rulesVersion();
  const session = await openEvidence({ ...options, rulesVersion: version });
  let db: Database.Database;
  let key: KeyObject;
  try {
    db = openIndex(join(session.dir, LEDGER_LAYOUT.index), true);
    // The session stored the configured key's public half; accept it only if it is exactly that key.
    key = createPublicKey(readFileSync(join(session.dir, LEDGER_LAYOUT.keys, `${session.keyid}.pub`)));
    if (keyIdOf(key) !== session.keyid)
      throw new Error(`stored public key does not match key ${session.keyid}`);
  } catch (err) {
    await session.close();
    throw new CavraError(
      'IO_ERROR',
      `cannot read the evidence ledger in ${session.dir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const candidates = db.prepare(
    "SELECT * FROM records WHERE kind = 'scan' AND source = ? ORDER BY seq DESC LIMIT ?",
  );
  const pending = db.prepare("SELECT COUNT(*) AS n FROM delivery WHERE state = 'pending'");
  const now = options.now ?? (() => new Date());

  return {
    dir: session.dir,
    keyid: session.keyid,
    rulesVersion: version,
    findReusable(q: ReuseQuery): ReuseAnswer {
      const rows = candidates.all(q.model.reference, MAX_REUSE_CANDIDATES) as RecordRow[];
      let first: string | undefined;
      for (const row of rows) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(join(session.dir, LEDGER_LAYOUT.records, row.file));
        } catch {
          first ??= `evidence record ${row.seq}: envelope file is missing`;
          continue;
        }
        const checked = checkRecord(row, bytes, key, q);
        if (typeof checked !== 'string') return { hit: checked };
        first ??= checked;
      }
      return first ? { hit: null, rejected: first } : { hit: null };
    },
    async record(input) {
      const rec = await session.record(input.results, input.decision, {
        reference: input.model.reference,
        registry: input.model.registry,
        ...(input.model.version ? { version: input.model.version } : {}),
        ...(input.model.fingerprint ? { digest: input.model.fingerprint } : {}),
        startedAt: input.startedAt,
        finishedAt: input.finishedAt,
      });
      return { id: rec.digest, seq: rec.seq, recordedAt: now().toISOString() };
    },
    pending(): number {
      return (pending.get() as { n: number }).n;
    },
    async flush() {
      await session.flush();
    },
    async close() {
      db.close();
      await session.close();
    },
  };
}
