import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { CavraError } from '../../scanner/errors.js';
import { envelopeDigest } from '../dsse/envelope.js';
import type { Signer } from '../signing/signer.js';
import type { Subject } from '../statement/types.js';
import { fsyncDir, writeFileAtomic } from './atomic-write.js';
import { openIndex, type DeliveryRow, type RecordRow } from './db.js';
import { writeHead } from './head.js';
import { LEDGER_LAYOUT, TMP_PREFIX } from './paths.js';
import { GENESIS_HASH, recordHash } from './record-hash.js';

export type RecordKind = 'scan' | 'model-signing';

export interface AppendInput {
  kind: RecordKind;
  /** The exact bytes to store (serialized envelope or bundle). */
  bytes: Buffer;
  subjects: Subject[];
  /** Source reference (model version) the record is about. */
  source: string;
}

const EXT: Record<RecordKind, string> = { scan: '.dsse.json', 'model-signing': '.model-sig.json' };

/**
 * The local evidence ledger: envelope files under `records/` plus an append-only, hash-chained SQLite index.
 * A record counts as written (acknowledged) once `append` resolves: its file was fsynced and renamed before the
 * index row was committed, so an acknowledged record is never lost or half-written.
 */
export class Ledger {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  /** Open (creating if needed) a ledger for writing, after recovering from any interrupted write. */
  static open(dir: string, now: () => Date = () => new Date()): Ledger {
    try {
      mkdirSync(join(dir, LEDGER_LAYOUT.records), { recursive: true, mode: 0o700 });
      mkdirSync(join(dir, LEDGER_LAYOUT.keys), { recursive: true, mode: 0o700 });
      const ledger = new Ledger(dir, openIndex(join(dir, LEDGER_LAYOUT.index), false), now);
      ledger.recover();
      return ledger;
    } catch (err) {
      if (err instanceof CavraError) throw err;
      throw new CavraError('IO_ERROR', `cannot open evidence directory ${dir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** Remove temp files and move files the index does not know (never acknowledged) to `orphans/`. */
  private recover(): void {
    const recDir = join(this.dir, LEDGER_LAYOUT.records);
    const known = new Set(
      (this.db.prepare('SELECT file FROM records').all() as { file: string }[]).map((r) => r.file),
    );
    for (const dir of [this.dir, recDir]) {
      for (const name of readdirSync(dir)) if (name.startsWith(TMP_PREFIX)) unlinkSync(join(dir, name));
    }
    const orphans = readdirSync(recDir).filter((n) => !known.has(n));
    if (orphans.length > 0) {
      const oDir = join(this.dir, LEDGER_LAYOUT.orphans);
      mkdirSync(oDir, { recursive: true, mode: 0o700 });
      for (const n of orphans) renameSync(join(recDir, n), join(oDir, n));
      fsyncDir(recDir);
    }
  }

  /** Keep a copy of a signer's public key in `keys/<keyid>.pub` (for `evidence verify` without --public-key). */
  storePublicKey(signer: Signer): void {
    const file = join(this.dir, LEDGER_LAYOUT.keys, `${signer.keyid}.pub`);
    if (!existsSync(file))
      writeFileAtomic(
        join(this.dir, LEDGER_LAYOUT.keys),
        `${signer.keyid}.pub`,
        Buffer.from(signer.publicKey.export({ type: 'spki', format: 'pem' }) as string),
        0o644,
      );
  }

  /** Append one record durably, then refresh the signed head. Appends are serialized. */
  append(input: AppendInput, headSigner: Signer): Promise<RowView> {
    const run = this.queue.then(async () => {
      const row = this.appendSync(input);
      await writeHead(
        this.dir,
        { seq: row.seq, recordHash: row.record_hash, at: row.created_at },
        headSigner,
      );
      return toView(row);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private appendSync(input: AppendInput): RecordRow {
    const tx = this.db.transaction((): RecordRow => {
      const last = this.db.prepare('SELECT seq, record_hash FROM records ORDER BY seq DESC LIMIT 1').get() as
        { seq: number; record_hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const digest = envelopeDigest(input.bytes);
      const file = `${String(seq).padStart(10, '0')}-${digest.slice(0, 16)}${EXT[input.kind]}`;
      writeFileAtomic(join(this.dir, LEDGER_LAYOUT.records), file, input.bytes, 0o644);
      const fields = {
        seq,
        kind: input.kind,
        file,
        envelopeSha256: digest,
        subjects: JSON.stringify(
          input.subjects.map((s) => ({ name: s.name, digest: { sha256: s.digest.sha256 } })),
        ),
        source: input.source,
        createdAt: this.now().toISOString(),
        prevHash: last?.record_hash ?? GENESIS_HASH,
      };
      const row: RecordRow = {
        seq,
        kind: fields.kind,
        file,
        envelope_sha256: digest,
        subjects: fields.subjects,
        source: fields.source,
        created_at: fields.createdAt,
        prev_hash: fields.prevHash,
        record_hash: recordHash(fields),
      };
      this.db
        .prepare(
          'INSERT INTO records (seq, kind, file, envelope_sha256, subjects, source, created_at, prev_hash, record_hash) VALUES (@seq, @kind, @file, @envelope_sha256, @subjects, @source, @created_at, @prev_hash, @record_hash)',
        )
        .run(row);
      if (input.kind === 'scan')
        this.db
          .prepare("INSERT INTO delivery (seq, state, attempts, updated_at) VALUES (?, 'pending', 0, ?)")
          .run(seq, row.created_at);
      return row;
    });
    return tx.immediate();
  }

  records(): RowView[] {
    return (this.db.prepare('SELECT * FROM records ORDER BY seq').all() as RecordRow[]).map(toView);
  }

  /** Scan records not yet acknowledged by the control plane, oldest first. */
  pending(): RowView[] {
    const rows = this.db
      .prepare(
        "SELECT r.* FROM records r JOIN delivery d ON d.seq = r.seq WHERE d.state = 'pending' ORDER BY r.seq",
      )
      .all() as RecordRow[];
    return rows.map(toView);
  }

  delivery(seq: number): DeliveryRow | undefined {
    return this.db.prepare('SELECT * FROM delivery WHERE seq = ?').get(seq) as DeliveryRow | undefined;
  }

  markDelivered(seq: number): void {
    this.db
      .prepare(
        "UPDATE delivery SET state = 'delivered', attempts = attempts + 1, last_error = NULL, updated_at = ? WHERE seq = ?",
      )
      .run(this.now().toISOString(), seq);
  }

  /** Record a failed attempt; `rejected` takes the record out of the outbox (e.g. it failed the outbound schema). */
  markFailed(seq: number, error: string, rejected = false): void {
    this.db
      .prepare(
        'UPDATE delivery SET state = ?, attempts = attempts + 1, last_error = ?, updated_at = ? WHERE seq = ?',
      )
      .run(rejected ? 'rejected' : 'pending', error.slice(0, 500), this.now().toISOString(), seq);
  }

  countPending(): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM delivery WHERE state = 'pending'").get() as { n: number }
    ).n;
  }

  readFile(rec: RowView): Buffer {
    return readFileSync(join(this.dir, LEDGER_LAYOUT.records, rec.file));
  }

  close(): void {
    this.db.close();
  }
}

/** One index row, parsed. */
export interface RowView {
  seq: number;
  kind: RecordKind;
  file: string;
  envelopeSha256: string;
  subjects: Subject[];
  source: string;
  createdAt: string;
  prevHash: string;
  recordHash: string;
  /** The raw row (what the chain covers). */
  raw: RecordRow;
}

export function toView(r: RecordRow): RowView {
  let subjects: Subject[] = [];
  try {
    subjects = JSON.parse(r.subjects) as Subject[];
  } catch {
    subjects = [];
  }
  return {
    seq: r.seq,
    kind: r.kind as RecordKind,
    file: r.file,
    envelopeSha256: r.envelope_sha256,
    subjects,
    source: r.source,
    createdAt: r.created_at,
    prevHash: r.prev_hash,
    recordHash: r.record_hash,
    raw: r,
  };
}
