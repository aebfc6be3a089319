import { createHash } from 'node:crypto';
import { ruleCatalog } from '../../scanner/rules/catalog.js';
import { SARIF_LEVEL, SARIF_SECURITY_SEVERITY, sarifUri } from '../../scanner/sarif-common.js';
import type { Severity } from '../../scanner/severity.js';
import type { EvidenceEntry } from './load.js';

/** SARIF 2.1.0 of every finding in the attested evidence (names and locations only, as the attestations hold). */
export function toSarifFromEvidence(entries: readonly EvidenceEntry[], toolVersion: string): object {
  const catalog = ruleCatalog();
  const rules: object[] = [];
  const index = new Map<string, number>();
  const ruleIndex = (id: string, severity: Severity): number => {
    let i = index.get(id);
    if (i === undefined) {
      const info = catalog.get(id);
      const title = info?.title ?? id;
      const why = info?.why || title;
      i = rules.length;
      index.set(id, i);
      rules.push({
        id,
        shortDescription: { text: title },
        fullDescription: { text: why },
        help: {
          text: `${why} Do not load this artifact with a deserializing loader until the finding is explained.`,
        },
        defaultConfiguration: { level: SARIF_LEVEL[info?.severity ?? severity] },
        properties: {
          'security-severity': SARIF_SECURITY_SEVERITY[info?.severity ?? severity],
          tags: ['security', 'ml-supply-chain'],
          precision: 'high',
        },
      });
    }
    return i;
  };
  const results: object[] = [];
  for (const e of entries) {
    const shaOf = new Map(e.statement.predicate.artifacts.map((a) => [a.name, a.sha256]));
    for (const f of e.statement.predicate.findings) {
      const where = f.member ? ` in ${f.member}` : '';
      const what = f.callable ? ` (${f.callable})` : '';
      results.push({
        ruleId: f.ruleId,
        ruleIndex: ruleIndex(f.ruleId, f.severity),
        level: SARIF_LEVEL[f.severity],
        message: { text: `${f.ruleId}${what}${where}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: sarifUri(f.artifact) },
              region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 2 },
            },
          },
        ],
        partialFingerprints: {
          primaryLocationLineHash: createHash('sha256')
            .update(
              [
                shaOf.get(f.artifact) ?? f.artifact,
                f.ruleId,
                f.member ?? '',
                f.offset ?? '',
                f.callable ?? '',
              ].join('\u0000'),
            )
            .digest('hex')
            .slice(0, 32),
        },
        properties: {
          'artifact-sha256': shaOf.get(f.artifact) ?? null,
          'attestation-sha256': e.digest,
          ...(f.member ? { member: f.member } : {}),
          ...(f.offset !== undefined ? { offset: f.offset } : {}),
        },
      });
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'cavra-scan', semanticVersion: toolVersion, rules } },
        automationDetails: { id: 'cavra-scan/evidence/' },
        results,
      },
    ],
  };
}
