/** Exit codes shared by `scan`, `registry` and `gate` (documented in README and --help). */
export const EXIT = Object.freeze({
  /** Nothing at or above the failure threshold (policy: allow or warn). */
  OK: 0,
  /** Findings at or above the failure threshold (policy: block). */
  FINDINGS: 1,
  /** A result is inconclusive (fail closed), or the run was partial. */
  INCONCLUSIVE: 2,
  /** Usage or configuration error; nothing was scanned. */
  USAGE: 3,
});
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
