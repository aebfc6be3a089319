import { Command, CommanderError } from 'commander';
import { CavraError } from '../scanner/errors.js';
import { COMMANDS } from './commands/index.js';
import { EXIT } from './exit-codes.js';
import { processIO, type CliIO } from './io.js';
import { VERSION } from './version.js';

/** Build the CLI program. Exported for tests, which run it in-process with their own IO. */
export function buildProgram(io: CliIO, done: (code: number) => void): Command {
  const program = new Command('cavra-scan')
    .description(
      'Zero-trust scanner for ML models: hash and check every artifact in one pass; only evidence leaves.',
    )
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run with --help for usage)');
  for (const c of COMMANDS) c.register(program, io, done);
  return program;
}

/** Run the CLI with `argv` (without node and script). Never throws; returns the exit code. */
export async function run(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return EXIT.OK;
      return EXIT.USAGE;
    }
    if (err instanceof CavraError) {
      io.stderr(`cavra-scan: error ${err.code}: ${err.message}\n`);
      return err.code === 'INTERNAL' ? EXIT.INCONCLUSIVE : EXIT.USAGE;
    }
    io.stderr(`cavra-scan: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    return EXIT.INCONCLUSIVE;
  }
}
