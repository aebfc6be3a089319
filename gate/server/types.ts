import type { PolicyScope, ResolvedPolicy } from '../../scanner/policy/types.js';
import type { GateOutcome } from '../types.js';
import type { TagWriter } from './mlflow-tags.js';

/** Runs the gate for one reference (engine.ts behind it); never throws. */
export type GateRunner = (call: {
  reference: string;
  policy: ResolvedPolicy;
  scope?: Partial<PolicyScope>;
  signal: AbortSignal;
}) => Promise<GateOutcome>;

/** One thing worth telling the operator (the CLI prints these; the library never does). */
export interface ServiceEvent {
  level: 'info' | 'warn';
  message: string;
}

export interface ServiceLimits {
  /** Largest request body (bytes); larger is 413. */
  maxBodyBytes: number;
  /** Longest one gate run may take before it is stopped (504, block). */
  gateTimeoutMs: number;
}

export const DEFAULT_SERVICE_LIMITS: Readonly<ServiceLimits> = Object.freeze({
  maxBodyBytes: 64 * 1024,
  gateTimeoutMs: 15 * 60_000,
});

export interface GateServiceOptions {
  /** Bearer token every route but /healthz, /readyz and the HMAC-signed webhook requires. */
  token: string;
  runGate: GateRunner;
  defaultPolicy: ResolvedPolicy;
  /** A policy a request names: bundled packs only (a request never names a file on the server). Throws when unknown. */
  resolvePolicy(name: string): ResolvedPolicy;
  /** null when ready (ledger and key loaded), else why not. */
  ready(): string | null;
  evidencePending(): number;
  /** The MLflow webhook receiver; absent = the route answers 404. */
  mlflow?: { secret: string; toleranceMs?: number; writer?: TagWriter };
  limits?: Partial<ServiceLimits>;
  /** Epoch milliseconds (tests move the clock). */
  now?: () => number;
  onEvent?: (e: ServiceEvent) => void;
}
