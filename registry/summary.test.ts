import { describe, expect, it } from 'vitest';
import { summaryText, Tally } from './summary.js';

describe('run summary', () => {
  it('a failure makes the run partial (exit 2) and is listed with its code', () => {
    const t = new Tally();
    t.models.add('m');
    t.versions = 1;
    t.listed = 3;
    t.scanned = 2;
    t.failed = 1;
    t.bytesRead = 2_500_000;
    t.versionDecisions.block = 1;
    t.fail({
      reference: 'hf://acme/x@1/a.bin',
      registry: 'hub',
      code: 'IO_ERROR',
      message: 'digest mismatch',
    });
    const s = t.summary({ index: 1, count: 4 }, 1, false, performance.now());
    expect(s).toMatchObject({ shard: '1/4', partial: true, exitCode: 2, failureCount: 1 });
    const text = summaryText(s);
    expect(text).toContain('shard 1/4');
    expect(text).toContain('2 scanned, 0 skipped (unchanged), 1 failed; 2.5 MB read');
    expect(text).toContain('hf://acme/x@1/a.bin [hub] IO_ERROR: digest mismatch');
    expect(text).toContain('exit 2');
  });

  it('without failures or decisions the run exits 0, and failures beyond the list are counted', () => {
    expect(new Tally().summary({ index: 0, count: 1 }, 1, true, performance.now()).exitCode).toBe(0);
    const t = new Tally();
    for (let i = 0; i < 150; i++) t.fail({ reference: `r${i}`, registry: 'x', code: 'AUTH', message: 'no' });
    const s = t.summary({ index: 0, count: 1 }, 1, false, performance.now());
    expect(s.failures).toHaveLength(100);
    expect(summaryText(s)).toContain('... 50 more');
  });
});
