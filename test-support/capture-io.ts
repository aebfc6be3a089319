import type { CliIO } from '../cli/io.js';

/** A CliIO that records what the CLI writes, for in-process CLI tests. */
export function captureIO(env: NodeJS.ProcessEnv = {}): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTTY: false,
    env,
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
  };
  return io;
}
