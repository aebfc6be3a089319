import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Reads a file's text, or undefined when it does not exist (tests pass their own). */
export type ReadText = (path: string) => string | undefined;

const readIfPresent: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * CPUs this process may use: the CPUs it can run on (affinity), lowered to the container's CPU quota when one is
 * set (cgroup v2 `cpu.max`, else cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up, at least 1.
 * A pod limited to 2 CPUs on a 64-core node gets 2, not 64.
 */
export function cpuBudget(read: ReadText = readIfPresent, cpus = availableParallelism()): number {
  const quota = cgroupQuota(read);
  return Math.max(1, quota === undefined ? cpus : Math.min(cpus, Math.ceil(quota)));
}

/** The CPU quota in CPUs, or undefined when there is none. */
function cgroupQuota(read: ReadText): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 && v2.length === 2) return ratio(v2[0]!, v2[1]!);
  const q = read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')?.trim();
  const p = read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')?.trim();
  return q !== undefined && p !== undefined ? ratio(q, p) : undefined;
}

function ratio(quota: string, period: string): number | undefined {
  if (!/^\d+$/.test(quota) || !/^\d+$/.test(period)) return undefined; // "max", or v1's -1: no quota
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? q / p : undefined;
}
