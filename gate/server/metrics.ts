/**
 * Prometheus text exposition (format 0.0.4) for the handful of series the gate service exports. Written by hand:
 * a few counters, gauges and one histogram do not justify a metrics dependency, and the format is a short text spec.
 */

/** Scan-duration histogram bucket bounds, in seconds. */
export const DURATION_BUCKETS = [0.05, 0.25, 1, 5, 15, 60, 300, 900] as const;

type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const e = this.values.get(key) ?? { labels, value: 0 };
    e.value += by;
    this.values.set(key, e);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  render(type = 'counter'): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${type}`];
    for (const { labels, value } of this.values.values())
      lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines;
  }
}

class Histogram {
  private readonly counts: number[] = DURATION_BUCKETS.map(() => 0);
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(v: number): void {
    DURATION_BUCKETS.forEach((b, i) => {
      if (v <= b) this.counts[i]!++;
    });
    this.sum += v;
    this.count++;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    DURATION_BUCKETS.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    );
    return lines;
  }
}

/** Every series `GET /metrics` shows. Gauges are read when rendered. */
export class GateMetrics {
  readonly decisions = new Counter(
    'cavra_gate_decisions_total',
    'Gate answers by decision and where they came from (scan, evidence, error).',
  );
  readonly scanDuration = new Histogram(
    'cavra_gate_scan_duration_seconds',
    'Time to scan and decide one model version (scans only, not evidence reuse).',
  );
  readonly bytesScanned = new Counter(
    'cavra_gate_bytes_scanned_total',
    'Bytes read and scanned by the gate.',
  );
  readonly shared = new Counter(
    'cavra_gate_shared_requests_total',
    'Gate requests that joined a scan already running for the same reference.',
  );
  readonly webhooks = new Counter('cavra_webhook_deliveries_total', 'MLflow webhook deliveries by result.');
  readonly writebacks = new Counter(
    'cavra_mlflow_writeback_total',
    'Decisions written back as MLflow model version tags, by result.',
  );
  readonly requests = new Counter('cavra_http_requests_total', 'HTTP requests by route and status.');

  constructor(private readonly gauges: { inflight: () => number; evidencePending: () => number }) {}

  render(): string {
    const gauge = (name: string, help: string, v: number): string[] => [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} gauge`,
      `${name} ${v}`,
    ];
    let pending = -1;
    try {
      pending = this.gauges.evidencePending();
    } catch {
      // ledger unreadable: -1 says "unknown" rather than a misleading 0
    }
    return (
      [
        ...this.decisions.render(),
        ...this.scanDuration.render(),
        ...this.bytesScanned.render(),
        ...this.shared.render(),
        ...this.webhooks.render(),
        ...this.writebacks.render(),
        ...this.requests.render(),
        ...gauge(
          'cavra_gate_inflight',
          'Gate runs in progress (shared runs count once).',
          this.gauges.inflight(),
        ),
        ...gauge(
          'cavra_evidence_pending',
          'Signed evidence records not yet acknowledged by the control plane.',
          pending,
        ),
      ].join('\n') + '\n'
    );
  }
}
