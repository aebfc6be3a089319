import { createHash } from 'node:crypto';
import { ruleCatalog, type RuleInfo } from '../../scanner/rules/catalog.js';
import type { ArtifactResult } from '../../scanner/result.js';
import { SARIF_LEVEL, SARIF_SECURITY_SEVERITY, sarifUri } from '../../scanner/sarif-common.js';
import type { Severity } from '../../scanner/severity.js';

/** Rule id used for coverage issues, so that an unscanned artifact is visible in code scanning too. */
export const INCOMPLETE_RULE = 'SCAN-INCOMPLETE';

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: string };
  properties: { 'security-severity': string; tags: string[]; precision: string };
}

function toRule(info: RuleInfo): SarifRule {
  const refs = info.references?.length ? ` References: ${info.references.join(', ')}.` : '';
  return {
    id: info.id,
    name: info.id.toLowerCase().replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: info.title },
    fullDescription: { text: info.why || info.title },
    help: {
      text: `${info.why || info.title}${refs} Do not load this artifact with a deserializing loader until the finding is explained.`,
      markdown: `**${info.title}**\n\n${info.why || ''}${refs}\n\nDo not load this artifact with a deserializing loader until the finding is explained.`,
    },
    defaultConfiguration: { level: SARIF_LEVEL[info.severity] },
    properties: {
      'security-severity': SARIF_SECURITY_SEVERITY[info.severity],
      tags: ['security', 'ml-model', info.file],
      precision: 'high',
    },
  };
}

function fingerprint(...parts: (string | number | null | undefined)[]): string {
  return createHash('sha256')
    .update(parts.map((p) => String(p ?? '')).join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/** SARIF 2.1.0 log for GitHub code scanning and other SARIF consumers. */
export function toSarif(results: readonly ArtifactResult[], version: string): object {
  const catalog = ruleCatalog();
  const rules = new Map<string, SarifRule>();
  const ruleFor = (id: string, severity: Severity, message: string): number => {
    if (!rules.has(id)) {
      const info = catalog.get(id) ?? { id, severity, title: id, why: message, file: 'scanner' };
      rules.set(id, toRule(info));
    }
    return [...rules.keys()].indexOf(id);
  };
  const sarifResults: object[] = [];
  for (const r of results) {
    const artifactLocation = { uri: sarifUri(r.path) };
    for (const f of r.findings) {
      // Code scanning needs region.startLine to place an alert; model files have no lines, so the alert sits on
      // the file and the byte offset goes in the message and properties.
      const region = { region: { startLine: 1 } };
      const member = f.location.member ? ` in ${f.location.member}` : '';
      sarifResults.push({
        ruleId: f.ruleId,
        ruleIndex: ruleFor(f.ruleId, f.severity, f.message),
        level: SARIF_LEVEL[f.severity],
        message: {
          text: `${f.message}${member}${f.location.offset === undefined ? '' : ` at byte ${f.location.offset}`}${f.evidence ? ` (${f.evidence})` : ''}`,
        },
        locations: [
          {
            physicalLocation: { artifactLocation, ...region },
            ...(f.location.member
              ? { logicalLocations: [{ fullyQualifiedName: f.location.member, kind: 'member' }] }
              : {}),
          },
        ],
        partialFingerprints: {
          'cavraFinding/v1': fingerprint(
            r.sha256,
            f.ruleId,
            f.location.member,
            f.location.offset,
            f.callable,
          ),
        },
        properties: {
          severity: f.severity,
          verdict: r.verdict,
          sha256: r.sha256,
          ...(f.location.offset === undefined ? {} : { byteOffset: f.location.offset }),
          ...(f.callable ? { callable: f.callable } : {}),
        },
      });
    }
    for (const i of r.coverage.issues) {
      sarifResults.push({
        ruleId: INCOMPLETE_RULE,
        ruleIndex: ruleFor(
          INCOMPLETE_RULE,
          'medium',
          'Part of the artifact could not be checked; the result is inconclusive, never clean.',
        ),
        level: 'warning',
        message: { text: `${i.code}: ${i.message}${i.member ? ` in ${i.member}` : ''}` },
        locations: [{ physicalLocation: { artifactLocation, region: { startLine: 1 } } }],
        partialFingerprints: { 'cavraFinding/v1': fingerprint(r.path, i.code, i.member, i.offset) },
        properties: { code: i.code, verdict: r.verdict },
      });
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'cavra-scan',
            version,
            semanticVersion: version,
            informationUri: 'https://cavra.dev/scan',
            rules: [...rules.values()],
          },
        },
        results: sarifResults,
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
}
