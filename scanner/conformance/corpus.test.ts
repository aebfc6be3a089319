import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanPaths } from '../local/scan-paths.js';
import type { ArtifactResult } from '../result.js';
import { verdictRank, type Verdict } from '../verdict.js';

/**
 * Conformance over the labeled corpus in ../shared/corpus (real files made with torch, numpy, sklearn, h5py,
 * onnx, dill, cloudpickle): every manifest entry must get its expected verdict.
 */
const CORPUS = resolve(
  process.env.CAVRA_CORPUS ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus'),
);
const MANIFEST = join(CORPUS, 'manifest.json');
const present = existsSync(MANIFEST);

interface Entry {
  path: string;
  format: string;
  expected: 'benign' | 'malicious' | 'suspicious' | 'malformed';
  technique: string;
}

const ACCEPT: Record<Entry['expected'], readonly Verdict[]> = {
  malicious: ['malicious'],
  benign: ['clean'],
  suspicious: ['suspicious', 'malicious'],
  malformed: ['inconclusive', 'suspicious', 'malicious'],
};

if (!present) {
  describe.skip(`corpus conformance (skipped: ${MANIFEST} not found — clone ../shared beside the repo or set CAVRA_CORPUS)`, () => {
    it('needs the shared corpus', () => {});
  });
} else {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Entry[];
  const results = new Map<string, ArtifactResult[]>();
  const scanned = (async () => {
    for await (const r of scanPaths([join(CORPUS, 'files')])) {
      const rel = r.path.slice(CORPUS.length + 1);
      const entry = manifest.find((e) => rel === e.path || rel.startsWith(e.path + '/'));
      if (!entry) continue;
      results.set(entry.path, [...(results.get(entry.path) ?? []), r]);
    }
  })();

  describe('corpus conformance (../shared/corpus/manifest.json)', () => {
    it('scans every manifest entry', async () => {
      await scanned;
      expect(manifest.filter((e) => !results.has(e.path)).map((e) => e.path)).toEqual([]);
    });
    for (const e of manifest) {
      it(`${e.expected.padEnd(10)} ${e.path} (${e.technique})`, async () => {
        await scanned;
        const rs = results.get(e.path) ?? [];
        // A directory entry (an HF repo) takes the worst verdict of its files.
        const worst = rs.reduce<Verdict>(
          (w, r) => (verdictRank(r.verdict) > verdictRank(w) ? r.verdict : w),
          'clean',
        );
        const detail = rs.map((r) => ({
          verdict: r.verdict,
          format: r.format,
          findings: r.findings.map((f) => f.ruleId),
          issues: r.coverage.issues.map((i) => `${i.code}:${i.member}`),
        }));
        expect(ACCEPT[e.expected], JSON.stringify(detail)).toContain(worst);
      });
    }
  });
}
