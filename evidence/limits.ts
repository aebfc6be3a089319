/**
 * Named bounds for everything evidence emits. Statements are trimmed to these so they always validate against
 * `evidence/schemas/model-scan-statement.schema.json` (whose maxLength/maxItems use the same numbers).
 */
export const EVIDENCE_LIMITS = Object.freeze({
  /** Subjects (and artifact entries) per statement. */
  maxArtifacts: 10_000,
  /** Findings per statement (most severe kept first). */
  maxFindings: 1_000,
  /** Coverage issues per statement. */
  maxIssues: 500,
  /** Artifact names, member paths, source references. */
  maxNameLength: 1_024,
  /** Rule ids, format ids, issue codes, policy ids, versions. */
  maxIdLength: 128,
  /** Resolved callable names. */
  maxCallableLength: 256,
  /** Largest envelope file the ledger, outbox and receiver accept (bytes). */
  maxEnvelopeBytes: 16 * 1024 * 1024,
});
