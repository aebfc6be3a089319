/** Reason codes for anything that kept an object from being fully scanned. */
export type CoverageCode =
  | 'EMPTY_FILE'
  | 'TRUNCATED'
  | 'PARSE_ERROR'
  | 'UNSUPPORTED_FORMAT'
  | 'UNKNOWN_BINARY'
  | 'LIMIT_SIZE'
  | 'LIMIT_DEPTH'
  | 'LIMIT_MEMBERS'
  | 'LIMIT_RATIO'
  | 'LIMIT_OPCODES'
  | 'LIMIT_MEMO'
  | 'LIMIT_STACK'
  | 'LIMIT_TIME'
  | 'LIMIT_HEADER'
  | 'ENCRYPTED'
  | 'UNREADABLE'
  | 'SYMLINK_LOOP'
  | 'SPECIAL_FILE'
  | 'IO_ERROR'
  | 'INTERNAL_ERROR';

/** One object that was scanned (or not), inside the artifact. */
export interface CoverageEntry {
  /** Member path ('' for the top-level object). */
  member: string;
  format: string;
  /** Short note on what was checked, e.g. `pickle: 2 streams, 1,204 opcodes`. */
  detail?: string;
}

/** Something that stopped part of the artifact from being checked. Any issue makes the result incomplete. */
export interface CoverageIssue {
  member: string;
  code: CoverageCode;
  message: string;
  offset?: number;
}

export interface Coverage {
  /** True only when every byte that could execute was checked. */
  complete: boolean;
  scanned: CoverageEntry[];
  /** Objects recognised as inert data and not parsed further (e.g. tensor storages). */
  data: CoverageEntry[];
  issues: CoverageIssue[];
  /** Entries not listed because the per-artifact listing cap was reached. */
  unlisted: number;
}
