import type { KeyObject } from 'node:crypto';
import { envelopeDigest } from '../../evidence/dsse/envelope.js';
import { trustedKey, verifyEnvelope } from '../../evidence/dsse/verify.js';
import type { RecordRow } from '../../evidence/ledger/db.js';
import { recordHash } from '../../evidence/ledger/record-hash.js';
import { checkStatement } from '../../evidence/schemas/validate.js';
import {
  IN_TOTO_PAYLOAD_TYPE,
  MODEL_SCAN_PREDICATE_TYPE,
  type ModelScanStatement,
} from '../../evidence/statement/types.js';
import type { ReusableEvidence, ReuseQuery } from '../ports.js';

/** Evidence finished this far in the future (clock skew) is still accepted; further is refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Every check a ledger record must pass before the gate reuses it instead of scanning. Returns the evidence, or
 * the first failed check as a reason. Reuses the ledger's own record hash, DSSE verification and statement schema;
 * `key` is the configured signing key's public half (never a key found next to the evidence).
 */
export function checkRecord(
  row: RecordRow,
  bytes: Buffer,
  key: KeyObject,
  q: ReuseQuery,
): ReusableEvidence | string {
  const id = row.envelope_sha256;
  const at = `evidence ${id.slice(0, 16)} (record ${row.seq})`;
  const chained = recordHash({
    seq: row.seq,
    kind: row.kind,
    file: row.file,
    envelopeSha256: row.envelope_sha256,
    subjects: row.subjects,
    source: row.source,
    createdAt: row.created_at,
    prevHash: row.prev_hash,
  });
  if (chained !== row.record_hash) return `${at}: ledger index row was edited`;
  if (envelopeDigest(bytes) !== id) return `${at}: envelope file differs from its ledger digest (tampered)`;
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return `${at}: envelope is not JSON`;
  }
  const v = verifyEnvelope(doc, [trustedKey(key)], [IN_TOTO_PAYLOAD_TYPE]);
  if (!v.ok) return `${at}: ${v.code}: ${v.message}`;
  let st: ModelScanStatement;
  try {
    st = JSON.parse(v.payload.toString('utf8')) as ModelScanStatement;
  } catch {
    return `${at}: payload is not JSON`;
  }
  const schema = checkStatement(st);
  if (!schema.ok || st.predicateType !== MODEL_SCAN_PREDICATE_TYPE)
    return `${at}: statement does not match its schema`;
  const p = st.predicate;
  if (p.source.reference !== q.model.reference) return `${at}: made for ${p.source.reference}`;
  if (p.source.digest !== q.model.fingerprint) return `${at}: the registry now lists other files or digests`;
  if (p.rules.version !== q.rulesVersion)
    return `${at}: made under rules ${p.rules.version}, now ${q.rulesVersion}`;
  if (!p.policy || p.policy.sha256 !== q.policySha256.replace(/^sha256:/, ''))
    return `${at}: made under another policy`;
  if (p.decision === null || p.riskScore === null) return `${at}: carries no decision`;
  if (!p.coverage.complete || p.artifactsOmitted > 0 || p.findingsOmitted > 0)
    return `${at}: the scan was incomplete`;
  const age = q.now.getTime() - Date.parse(p.finishedOn);
  if (!Number.isFinite(age) || age < -MAX_CLOCK_SKEW_MS) return `${at}: finished in the future`;
  if (age > q.maxAgeMs) return `${at}: older than --max-age`;
  const signed = new Map(p.artifacts.map((a) => [a.name, a]));
  const subjects = new Map(st.subject.map((s) => [s.name, s.digest.sha256]));
  if (signed.size !== q.model.artifacts.length)
    return `${at}: covers ${signed.size} files, the registry lists ${q.model.artifacts.length}`;
  for (const a of q.model.artifacts) {
    const s = signed.get(a.name);
    if (!s || s.sha256 === null || subjects.get(a.name) !== s.sha256)
      return `${at}: does not cover ${a.name}`;
    if (a.size !== undefined && a.size !== s.size) return `${at}: ${a.name} has another size now`;
    const stated = a.digests.find((d) => d.algorithm === 'sha256');
    if (stated && stated.value.toLowerCase() !== s.sha256) return `${at}: ${a.name} has another sha256 now`;
  }
  return {
    id,
    seq: row.seq,
    recordedAt: row.created_at,
    decision: p.decision,
    riskScore: p.riskScore,
    artifacts: p.artifacts.map((a) => ({
      name: a.name,
      sha256: a.sha256,
      size: a.size,
      format: a.format,
      verdict: a.verdict,
    })),
    findings: p.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      artifact: f.artifact,
      ...(f.member ? { member: f.member } : {}),
      ...(f.callable ? { callable: f.callable } : {}),
    })),
  };
}
