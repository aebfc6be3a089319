import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanPaths } from '../scanner/local/scan-paths.js';
import { generateExamples } from './generate.js';

const EXPECTED: Record<string, string> = {
  benign: 'clean',
  suspicious: 'suspicious',
  malicious: 'malicious',
  malformed: 'inconclusive',
};

describe('demo artifacts (npm run demo)', () => {
  it('each folder gets the verdict it is named for', async () => {
    const out = await generateExamples(mkdtempSync(join(tmpdir(), 'cavra-demo-')));
    const seen: string[] = [];
    for await (const r of scanPaths([out])) {
      const folder = relative(out, r.path).split('/')[0]!;
      seen.push(relative(out, r.path));
      expect(r.verdict, r.path).toBe(EXPECTED[folder]);
    }
    expect(seen).toHaveLength(9);
  });
});
