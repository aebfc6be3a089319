import type { EvidenceEntry } from './load.js';

const HEADER = [
  'record',
  'recorded_at',
  'source',
  'registry',
  'version',
  'artifact',
  'sha256',
  'size',
  'format',
  'artifact_verdict',
  'model_verdict',
  'decision',
  'risk_score',
  'policy',
  'findings',
  'rule_ids',
  'coverage_complete',
  'attestation_sha256',
  'delivery',
];

/** RFC 4180 quoting; cells a spreadsheet would run as a formula get a leading apostrophe. */
function cell(v: string | number | boolean | null): string {
  let s = v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per attested artifact, for auditors. */
export function toCsv(entries: readonly EvidenceEntry[]): string {
  const lines = [HEADER.join(',')];
  for (const e of entries) {
    const p = e.statement.predicate;
    for (const a of p.artifacts) {
      const fs = p.findings.filter((f) => f.artifact === a.name);
      lines.push(
        [
          e.seq,
          e.createdAt,
          p.source.reference,
          p.source.registry,
          p.source.version,
          a.name,
          a.sha256,
          a.size,
          a.format,
          a.verdict,
          p.verdict,
          p.decision,
          p.riskScore,
          p.policy ? `${p.policy.id}@sha256:${p.policy.sha256}` : null,
          a.findings,
          [...new Set(fs.map((f) => f.ruleId))].join(' '),
          a.complete,
          e.digest,
          e.delivery,
        ]
          .map(cell)
          .join(','),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
