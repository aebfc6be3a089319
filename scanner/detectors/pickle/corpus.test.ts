import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../pipeline.js';

/** The shared labeled corpus (real files written by CPython/torch/joblib/dill/cloudpickle); skipped when absent. */
const CORPUS = join(import.meta.dirname, '../../../../shared/corpus');
const present = existsSync(join(CORPUS, 'manifest.json'));

interface Entry {
  path: string;
  format: string;
  expected: 'benign' | 'malicious' | 'suspicious' | 'malformed';
}

const VERDICT = {
  benign: 'clean',
  malicious: 'malicious',
  suspicious: 'suspicious',
  malformed: 'inconclusive',
} as const;
const MINE = new Set(['pickle', 'pytorch-legacy']);
const EXTRA = new Set(['files/benign/sklearn_pipeline.joblib', 'files/malicious/joblib_injected.joblib']);

const entries: Entry[] = present
  ? (JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as Entry[])
  : [];
const mine = entries.filter(
  (e) => (MINE.has(e.format) || EXTRA.has(e.path)) && e.path !== 'files/malformed/empty.pkl',
);

describe.skipIf(!present)('pickle corpus (../shared/corpus)', () => {
  for (const e of mine) {
    it(`${e.path} is ${VERDICT[e.expected]}`, async () => {
      const bytes = new Uint8Array(readFileSync(join(CORPUS, e.path)));
      const r = await scanBytes(bytes, e.path);
      const summary = r.findings.map(
        (f) => `${f.severity} ${f.ruleId} ${f.callable ?? ''} | ${f.evidence ?? ''}`,
      );
      const issues = r.coverage.issues.map((i) => `${i.code} ${i.member} ${i.message}`);
      expect({ verdict: r.verdict, summary, issues }).toMatchObject({ verdict: VERDICT[e.expected] });
      // Same verdict when the bytes arrive in small, odd-sized chunks.
      const small = await scanBytes(bytes, e.path, {}, 7);
      expect(small.verdict).toBe(r.verdict);
    });
  }
});
