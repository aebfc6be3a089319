import type { CoverageCode } from '../coverage.js';
import type { DetectorContext } from '../detector.js';
import { DRAIN } from '../drain-sink.js';
import type { FindingInput } from '../finding.js';
import type { FormatId } from '../format.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { NO_EXTENSIONS, type RuleExtensions } from '../rule-extensions.js';

/** Test-only DetectorContext that records what a detector or check reports. */
export interface RecordingContext extends DetectorContext {
  findings: FindingInput[];
  issues: { code: CoverageCode; message: string; offset?: number }[];
  scans: { format: FormatId; detail?: string }[];
}

export function recordingContext(extensions: Partial<RuleExtensions> = {}): RecordingContext {
  const findings: FindingInput[] = [];
  const issues: RecordingContext['issues'] = [];
  const scans: RecordingContext['scans'] = [];
  return {
    member: '',
    depth: 0,
    size: undefined,
    limits: DEFAULT_LIMITS,
    extensions: { ...NO_EXTENSIONS, ...extensions },
    shared: new Map(),
    signal: new AbortController().signal,
    findings,
    issues,
    scans,
    report: (f) => findings.push(f),
    issue: (code, message, offset) => issues.push({ code, message, offset }),
    scanned: (format, detail) => scans.push({ format, detail }),
    openMember: () => DRAIN,
  };
}
