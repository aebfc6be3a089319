import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { CavraError } from '../scanner/errors.js';
import type { ArtifactResult } from '../scanner/result.js';
import type { Shard } from './shard.js';

/** What a stored scan result is valid for: the same content, rules and policy (and policy scope). */
export interface ScanKey {
  /** Where the artifact lives, independent of the version: registry, endpoint, model, path. */
  location: string;
  /** The registry's digest of the content, or the immutable version + change key + size. */
  contentKey: string;
  rulesVersion: string;
  policySha256: string;
  /** Name of the policy scope in force ('' for none): it can change limits and allow/deny lists. */
  policyScope: string;
}

/** One model version whose evidence was recorded for an unchanged listing under these rules and policy. */
export interface VersionKey {
  reference: string;
  /** Listing fingerprint (gate/fingerprint.ts): reference, change key, every file's name, size and digests. */
  fingerprint: string;
  rulesVersion: string;
  policySha256: string;
}

const SCHEMA_VERSION = '1';
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artifacts (
  location TEXT NOT NULL,
  content_key TEXT NOT NULL,
  rules_version TEXT NOT NULL,
  policy_sha256 TEXT NOT NULL,
  policy_scope TEXT NOT NULL,
  result_json TEXT NOT NULL,
  scanned_at TEXT NOT NULL,
  PRIMARY KEY (location, content_key)
);
CREATE TABLE IF NOT EXISTS versions (
  reference TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  rules_version TEXT NOT NULL,
  policy_sha256 TEXT NOT NULL,
  decision TEXT NOT NULL,
  evidence_digest TEXT,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (reference)
);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  shard TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  summary_json TEXT
);
`;

/** The state file of one shard: `registry-state.sqlite`, or `registry-state-<i>-of-<N>.sqlite` when sharded. */
export function stateFile(dir: string, shard: Shard): string {
  return join(
    dir,
    shard.count > 1 ? `registry-state-${shard.index}-of-${shard.count}.sqlite` : 'registry-state.sqlite',
  );
}

/**
 * The job's incremental state (SQLite, WAL): which artifact contents were scanned under which rules and policy,
 * with their results (names and codes only, as in evidence), and which model versions already have evidence.
 * Only complete, reproducible results are stored: a read failure or a timeout is scanned again next run.
 */
export class RegistryState {
  /** Prepared statements by SQL text: `lookup` and `remember` run once per artifact (10,000s in a run). */
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database) {}

  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  static open(file: string): RegistryState {
    let db: Database.Database;
    try {
      mkdirSync(dirname(file), { recursive: true });
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
    } catch (err) {
      throw new CavraError('IO_ERROR', `cannot open the registry state ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const v = db.prepare('SELECT value FROM meta WHERE key = ?').get('schema') as
      { value: string } | undefined;
    if (!v) db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema', SCHEMA_VERSION);
    else if (v.value !== SCHEMA_VERSION) {
      db.close();
      throw new CavraError(
        'IO_ERROR',
        `registry state ${file} has schema ${v.value}, expected ${SCHEMA_VERSION}`,
      );
    }
    return new RegistryState(db);
  }

  /** The stored result for exactly this content, rules, policy and policy scope, if any. */
  lookup(key: ScanKey): ArtifactResult | undefined {
    const row = this.sql(
      'SELECT result_json FROM artifacts WHERE location = ? AND content_key = ? AND rules_version = ? AND policy_sha256 = ? AND policy_scope = ?',
    ).get(key.location, key.contentKey, key.rulesVersion, key.policySha256, key.policyScope) as
      { result_json: string } | undefined;
    if (!row) return undefined;
    try {
      return JSON.parse(row.result_json) as ArtifactResult;
    } catch {
      return undefined; // a damaged row is scanned again
    }
  }

  remember(key: ScanKey, result: ArtifactResult, now: Date): void {
    this.sql(
      `INSERT INTO artifacts (location, content_key, rules_version, policy_sha256, policy_scope, result_json, scanned_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (location, content_key) DO UPDATE SET rules_version = excluded.rules_version,
           policy_sha256 = excluded.policy_sha256, policy_scope = excluded.policy_scope,
           result_json = excluded.result_json, scanned_at = excluded.scanned_at`,
    ).run(
      key.location,
      key.contentKey,
      key.rulesVersion,
      key.policySha256,
      key.policyScope,
      JSON.stringify(result),
      now.toISOString(),
    );
  }

  /**
   * True when this exact listing was decided under these rules and policy (and, with `needEvidence`, its evidence
   * was recorded: a run without a signing key never stands in for one with a key).
   */
  versionRecorded(key: VersionKey, needEvidence: boolean): boolean {
    const row = this.sql(
      'SELECT fingerprint, rules_version, policy_sha256, evidence_digest FROM versions WHERE reference = ?',
    ).get(key.reference) as
      | { fingerprint: string; rules_version: string; policy_sha256: string; evidence_digest: string | null }
      | undefined;
    return (
      row !== undefined &&
      (!needEvidence || row.evidence_digest !== null) &&
      row.fingerprint === key.fingerprint &&
      row.rules_version === key.rulesVersion &&
      row.policy_sha256 === key.policySha256
    );
  }

  rememberVersion(key: VersionKey, decision: string, evidenceDigest: string | null, now: Date): void {
    this.sql(
      `INSERT OR REPLACE INTO versions (reference, fingerprint, rules_version, policy_sha256, decision, evidence_digest, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      key.reference,
      key.fingerprint,
      key.rulesVersion,
      key.policySha256,
      decision,
      evidenceDigest,
      now.toISOString(),
    );
  }

  startRun(shard: Shard, now: Date): number {
    const r = this.sql('INSERT INTO runs (shard, started_at) VALUES (?, ?)').run(
      `${shard.index}/${shard.count}`,
      now.toISOString(),
    );
    return Number(r.lastInsertRowid);
  }

  finishRun(id: number, summary: unknown, now: Date): void {
    this.sql('UPDATE runs SET finished_at = ?, summary_json = ? WHERE id = ?').run(
      now.toISOString(),
      JSON.stringify(summary),
      id,
    );
  }

  /** Counts for tests and diagnostics. */
  counts(): { artifacts: number; versions: number; runs: number } {
    const n = (t: string) => (this.sql(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { artifacts: n('artifacts'), versions: n('versions'), runs: n('runs') };
  }

  close(): void {
    this.db.close();
  }
}
