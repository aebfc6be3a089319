import { randomUUID } from 'node:crypto';
import { modelSigningStatementForFiles } from '../model-signing/from-results.js';
import type { EvidenceEntry } from './load.js';

type Hash = { alg: 'SHA-256'; content: string };
type Property = { name: string; value: string };

function modelComponent(e: EvidenceEntry): object {
  const p = e.statement.predicate;
  const ref = `model:${e.seq}`;
  const props: Property[] = [
    { name: 'cavra:verdict', value: p.verdict },
    { name: 'cavra:coverage-complete', value: String(p.coverage.complete) },
    { name: 'cavra:findings', value: String(p.findings.length + p.findingsOmitted) },
    { name: 'cavra:scanned-at', value: p.finishedOn },
  ];
  if (p.decision) props.push({ name: 'cavra:decision', value: p.decision });
  if (p.riskScore !== null) props.push({ name: 'cavra:risk-score', value: String(p.riskScore) });
  if (p.policy) props.push({ name: 'cavra:policy', value: `${p.policy.id}@sha256:${p.policy.sha256}` });
  if (p.source.registry) props.push({ name: 'cavra:registry', value: p.source.registry });
  if (p.source.digest) props.push({ name: 'cavra:registry-digest', value: p.source.digest });
  // The model's own hash: the OpenSSF model-signing root digest (SHA-256 over the sorted per-file digests),
  // the value `model_signing digest` prints; only when every file was hashed.
  const hashes: Hash[] = [];
  const ms =
    p.artifactsOmitted === 0
      ? modelSigningStatementForFiles(
          p.artifacts.map((a) => ({ path: a.name, sha256: a.sha256 })),
          p.source.reference,
        )
      : null;
  if (ms && 'statement' in ms) {
    hashes.push({ alg: 'SHA-256', content: ms.statement.subject[0].digest.sha256 });
    props.push({ name: 'cavra:model-digest-method', value: 'openssf-model-signing-v1.0/files/sha256' });
  }
  return {
    type: 'machine-learning-model',
    'bom-ref': ref,
    name: p.source.reference,
    ...(p.source.version ? { version: p.source.version } : {}),
    ...(hashes.length ? { hashes } : {}),
    externalReferences: [
      {
        type: 'attestation',
        url: e.file,
        comment:
          'DSSE envelope: in-toto Statement v1, predicate https://cavra.dev/attestations/model-scan/v1',
        hashes: [{ alg: 'SHA-256', content: e.digest }],
      },
    ],
    modelCard: {
      considerations: {
        technicalLimitations: [
          'Scanned by cavra-scan for malicious serialized content; not an assessment of model behaviour.',
        ],
      },
    },
    properties: props,
    components: p.artifacts.map((a, i) => ({
      type: 'file',
      'bom-ref': `${ref}:file:${i}`,
      name: a.name,
      ...(a.sha256 ? { hashes: [{ alg: 'SHA-256', content: a.sha256 }] } : {}),
      properties: [
        { name: 'cavra:format', value: a.format },
        { name: 'cavra:verdict', value: a.verdict },
      ],
    })),
  };
}

/** CycloneDX 1.6 ML-BOM: one machine-learning-model component per attested model version. */
export function toCycloneDx(
  entries: readonly EvidenceEntry[],
  toolVersion: string,
  now: Date = new Date(),
): object {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: now.toISOString(),
      tools: { components: [{ type: 'application', name: 'cavra-scan', version: toolVersion }] },
    },
    components: entries.map(modelComponent),
  };
}
