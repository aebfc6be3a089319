import type { RunEvent } from './events.js';

/** Writes the run's events: JSON lines (one per event) for log collectors, or a progress line on a terminal. */
export interface RunLog {
  event(e: RunEvent): void;
  /** Clear the progress line before the summary. */
  end(): void;
}

/** One JSON object per line, with a timestamp; the final summary is printed separately (stdout). */
export function jsonLog(write: (text: string) => void, now: () => Date = () => new Date()): RunLog {
  return {
    event(e) {
      if (e.event === 'summary') return;
      write(JSON.stringify({ time: now().toISOString(), ...e }) + '\n');
    },
    end() {},
  };
}

/** A single updating status line (at most ~10 redraws a second); errors are printed as lines above it. */
export function progressLog(write: (text: string) => void): RunLog {
  let versions = 0;
  let scanned = 0;
  let skipped = 0;
  let failed = 0;
  let planned = 0;
  let bytes = 0;
  let last = 0;
  let shown = false;
  const draw = (force = false) => {
    const t = performance.now();
    if (!force && t - last < 100) return;
    last = t;
    shown = true;
    const parts = [`versions ${versions}`, `scanned ${scanned}`, `skipped ${skipped}`, `failed ${failed}`];
    if (planned) parts.push(`to scan ${planned}`);
    parts.push(`${(bytes / 1e6).toFixed(1)} MB`);
    write(`\r\x1b[2Kcavra-scan registry: ${parts.join(' · ')}`);
  };
  return {
    event(e) {
      if (e.event === 'artifact') {
        if (e.action === 'scanned') scanned++;
        else if (e.action === 'skipped') skipped++;
        else if (e.action === 'failed') failed++;
        else planned++;
        if (e.action !== 'planned') bytes += e.bytes;
      } else if (e.event === 'version') versions++;
      else if (e.event === 'error') {
        write(`\r\x1b[2Kcavra-scan: ${e.reference} [${e.registry}] ${e.code}: ${e.message}\n`);
        shown = false;
      }
      draw();
    },
    end() {
      if (shown) write('\r\x1b[2K');
    },
  };
}
