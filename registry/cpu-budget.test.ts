import { describe, expect, it } from 'vitest';
import { cpuBudget } from './cpu-budget.js';

const files =
  (map: Record<string, string>) =>
  (path: string): string | undefined =>
    map[path];

describe('cpuBudget (how many scan threads the machine or container allows)', () => {
  it('uses the cgroup v2 quota, rounded up, when it is below the CPU count', () => {
    expect(cpuBudget(files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' }), 64)).toBe(2);
    expect(cpuBudget(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }), 64)).toBe(2);
    expect(cpuBudget(files({ '/sys/fs/cgroup/cpu.max': '50000 100000\n' }), 64)).toBe(1);
    expect(cpuBudget(files({ '/sys/fs/cgroup/cpu.max': '800000 100000\n' }), 4)).toBe(4);
  });

  it('has no quota for "max" (v2) or -1 (v1), and falls back to cgroup v1 files', () => {
    expect(cpuBudget(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }), 8)).toBe(8);
    const v1 = (quota: string) =>
      files({
        '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': quota,
        '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
      });
    expect(cpuBudget(v1('300000\n'), 16)).toBe(3);
    expect(cpuBudget(v1('-1\n'), 16)).toBe(16);
  });

  it('is the CPU count without cgroup files, and never below 1', () => {
    expect(cpuBudget(files({}), 6)).toBe(6);
    expect(cpuBudget(files({ '/sys/fs/cgroup/cpu.max': 'garbage' }), 0)).toBe(1);
    expect(cpuBudget()).toBeGreaterThanOrEqual(1);
  });
});
