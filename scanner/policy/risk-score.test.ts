import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../severity.js';
import { INCONCLUSIVE_FLOOR, riskScore } from './risk-score.js';

const severity = fc.constantFrom(...SEVERITIES);
const severities = fc.array(severity, { maxLength: 40 });

describe('riskScore', () => {
  it('fixed points of the documented formula', () => {
    expect(riskScore([], true)).toBe(0);
    expect(riskScore(['info'], true)).toBe(1);
    expect(riskScore(['low'], true)).toBe(10);
    expect(riskScore(['medium'], true)).toBe(30);
    expect(riskScore(['medium', 'medium'], true)).toBe(45);
    expect(riskScore(['high'], true)).toBe(70);
    expect(riskScore(['critical', 'low'], true)).toBe(90);
    expect(riskScore([], false)).toBe(INCONCLUSIVE_FLOOR);
    expect(riskScore(['high'], false)).toBe(70);
  });

  it('adding a finding never lowers the score', () => {
    fc.assert(
      fc.property(severities, severity, fc.nat({ max: 40 }), fc.boolean(), (list, added, at, complete) => {
        const more = [...list.slice(0, at), added, ...list.slice(at)];
        expect(riskScore(more, complete)).toBeGreaterThanOrEqual(riskScore(list, complete));
      }),
      { numRuns: 500 },
    );
  });

  it('losing coverage never lowers the score, and an inconclusive artifact never scores as clean', () => {
    fc.assert(
      fc.property(severities, (list) => {
        expect(riskScore(list, false)).toBeGreaterThanOrEqual(riskScore(list, true));
        expect(riskScore(list, false)).toBeGreaterThanOrEqual(INCONCLUSIVE_FLOOR);
      }),
      { numRuns: 300 },
    );
  });

  it('stays in 0..100 and one worse finding outranks any number of milder ones', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('info', 'low', 'medium' as const), { maxLength: 200 }), (mild) => {
        const s = riskScore(mild, true);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(riskScore(['high'], true));
        expect(riskScore(Array(200).fill('critical'), true)).toBeLessThanOrEqual(100);
      }),
      { numRuns: 200 },
    );
  });
});
