import Database from 'better-sqlite3';

/**
 * The ledger index. `records` is append-only (triggers refuse UPDATE and DELETE) and hash-chained;
 * `delivery` holds mutable outbox state and is deliberately outside the chain.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  file TEXT NOT NULL UNIQUE,
  envelope_sha256 TEXT NOT NULL,
  subjects TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  record_hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TABLE IF NOT EXISTS delivery (
  seq INTEGER PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'rejected')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  updated_at TEXT NOT NULL
);
`;

export function openIndex(path: string, readonly: boolean): Database.Database {
  const db = new Database(path, { readonly, fileMustExist: readonly });
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    // FULL: a committed append survives power loss, not only a process crash.
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
  }
  db.pragma('busy_timeout = 5000');
  return db;
}

export interface RecordRow {
  seq: number;
  kind: string;
  file: string;
  envelope_sha256: string;
  subjects: string;
  source: string;
  created_at: string;
  prev_hash: string;
  record_hash: string;
}

export interface DeliveryRow {
  seq: number;
  state: 'pending' | 'delivered' | 'rejected';
  attempts: number;
  last_error: string | null;
  updated_at: string;
}
