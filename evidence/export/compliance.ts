import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CavraError } from '../../scanner/errors.js';
import { packageRoot } from '../../scanner/rules/package-root.js';
import { schemaValidator } from '../../scanner/schema/validator.js';
import type { Verdict } from '../../scanner/verdict.js';
import { evidenceSchemaPath } from '../schemas/validate.js';
import type { EvidenceEntry } from './load.js';

export interface ComplianceControl {
  id: string;
  title: string;
  evidence: 'scans' | 'hashes' | 'ledger' | 'delivery';
  description: string;
  mappings: Record<string, string[]>;
}

export interface ComplianceMap {
  version: 1;
  frameworks: Record<string, string>;
  controls: ComplianceControl[];
}

/** Load `evidence/compliance-map.yaml`, validated against its schema. */
export function loadComplianceMap(): ComplianceMap {
  const file = join(packageRoot(), 'evidence', 'compliance-map.yaml');
  const data = parse(readFileSync(file, 'utf8')) as unknown;
  const validate = schemaValidator(
    JSON.parse(readFileSync(evidenceSchemaPath('compliance-map.schema.json'), 'utf8')) as object,
    'evidence',
  );
  if (!validate(data))
    throw new CavraError(
      'CONFIG_INVALID',
      `${file}: ${validate.errors?.[0]?.instancePath || '/'} ${validate.errors?.[0]?.message ?? 'invalid'}`,
    );
  return data as ComplianceMap;
}

export interface LedgerStatus {
  verified: boolean;
  problems: number;
}

/**
 * Compliance mapping report: for each control, whether this evidence directory evidences it (with the numbers
 * that show it) and the framework ids it maps to.
 */
export function toComplianceReport(
  entries: readonly EvidenceEntry[],
  ledger: LedgerStatus,
  toolVersion: string,
  now: Date = new Date(),
): object {
  const map = loadComplianceMap();
  const verdicts: Record<Verdict, number> = { clean: 0, suspicious: 0, malicious: 0, inconclusive: 0 };
  const decisions: Record<string, number> = {};
  let artifacts = 0;
  let hashed = 0;
  let delivered = 0;
  let pending = 0;
  for (const e of entries) {
    const p = e.statement.predicate;
    verdicts[p.verdict]++;
    if (p.decision) decisions[p.decision] = (decisions[p.decision] ?? 0) + 1;
    artifacts += p.artifacts.length + p.artifactsOmitted;
    hashed += e.statement.subject.length;
    if (e.delivery === 'delivered') delivered++;
    if (e.delivery === 'pending') pending++;
  }
  const basis: Record<ComplianceControl['evidence'], { ok: boolean; text: string }> = {
    scans: {
      ok: entries.length > 0,
      text: `${entries.length} signed scan attestations (${verdicts.malicious} malicious, ${verdicts.suspicious} suspicious, ${verdicts.inconclusive} inconclusive, ${verdicts.clean} clean)`,
    },
    hashes: {
      ok: hashed > 0,
      text: `${hashed} of ${artifacts} artifacts identified by SHA-256 in signed subjects`,
    },
    ledger: {
      ok: ledger.verified && entries.length > 0,
      text: ledger.verified
        ? 'ledger signatures, hash chain, subjects and signed head verify'
        : `ledger verification failed (${ledger.problems} problems)`,
    },
    delivery: {
      ok: entries.length > 0,
      text: `${delivered} attestations delivered, ${pending} queued; every outbound body is schema-checked before sending`,
    },
  };
  return {
    reportType: 'cavra-scan compliance mapping',
    generatedAt: now.toISOString(),
    tool: { name: 'cavra-scan', version: toolVersion },
    frameworks: map.frameworks,
    summary: {
      attestations: entries.length,
      artifacts,
      hashedArtifacts: hashed,
      verdicts,
      decisions,
      delivered,
      pending,
      ledgerVerified: ledger.verified,
    },
    controls: map.controls.map((c) => ({
      id: c.id,
      title: c.title,
      description: c.description,
      status: basis[c.evidence].ok ? 'evidenced' : 'not-evidenced',
      basis: basis[c.evidence].text,
      mappings: c.mappings,
    })),
  };
}
