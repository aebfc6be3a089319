import type { Command } from 'commander';
import type { CliIO } from './io.js';

/** One CLI command (or group). Listed explicitly in `commands/index.ts`. */
export interface CommandModule {
  /** Add the command to `program`; its action calls `done(exitCode)` when finished. */
  register(program: Command, io: CliIO, done: (code: number) => void): void;
}
