import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CavraError } from '../../scanner/errors.js';
import { decodeBase64, type DsseEnvelope } from '../dsse/envelope.js';
import { openIndex, type DeliveryRow, type RecordRow } from '../ledger/db.js';
import { LEDGER_LAYOUT } from '../ledger/paths.js';
import type { ModelScanStatement } from '../statement/types.js';

/** One scan attestation from the ledger, for exports. */
export interface EvidenceEntry {
  seq: number;
  /** Envelope file, relative to the evidence directory. */
  file: string;
  /** SHA-256 of the envelope file. */
  digest: string;
  createdAt: string;
  delivery: DeliveryRow['state'] | null;
  statement: ModelScanStatement;
}

/**
 * Read every scan attestation from an evidence directory (read-only). Signatures are not checked here: the
 * export command verifies the whole ledger first.
 */
export function loadEvidence(dir: string): EvidenceEntry[] {
  const indexPath = join(dir, LEDGER_LAYOUT.index);
  if (!existsSync(indexPath)) throw new CavraError('NOT_FOUND', `no evidence ledger in ${dir}`);
  const db = openIndex(indexPath, true);
  try {
    const rows = db.prepare("SELECT * FROM records WHERE kind = 'scan' ORDER BY seq").all() as RecordRow[];
    const states = new Map(
      (db.prepare('SELECT seq, state FROM delivery').all() as Pick<DeliveryRow, 'seq' | 'state'>[]).map(
        (d) => [d.seq, d.state],
      ),
    );
    return rows.map((r) => {
      const env = JSON.parse(readFileSync(join(dir, LEDGER_LAYOUT.records, r.file), 'utf8')) as DsseEnvelope;
      const payload = decodeBase64(env.payload);
      if (!payload) throw new CavraError('IO_ERROR', `record ${r.seq}: payload is not base64`);
      return {
        seq: r.seq,
        file: `${LEDGER_LAYOUT.records}/${r.file}`,
        digest: r.envelope_sha256,
        createdAt: r.created_at,
        delivery: states.get(r.seq) ?? null,
        statement: JSON.parse(payload.toString('utf8')) as ModelScanStatement,
      };
    });
  } finally {
    db.close();
  }
}
