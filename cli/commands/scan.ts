import type { Command } from 'commander';
import type { CommandModule } from '../command-module.js';
import { EXIT } from '../exit-codes.js';
import { scanPaths } from '../../scanner/local/scan-paths.js';

/** `cavra-scan scan <path...>` (initial version: JSON lines). */
export const scanCommand: CommandModule = {
  register(program: Command, io, done) {
    program
      .command('scan')
      .description('scan files and directories (recursively), identifying every format by content')
      .argument('<path...>', 'files or directories')
      .option('-f, --format <format>', 'output: table, json, jsonl or sarif', 'jsonl')
      .action(async (paths: string[]) => {
        let code: number = EXIT.OK;
        for await (const r of scanPaths(paths)) {
          io.stdout(JSON.stringify(r) + '\n');
          if (r.verdict === 'malicious') code = EXIT.FINDINGS;
          else if (r.verdict === 'inconclusive' && code === EXIT.OK) code = EXIT.INCONCLUSIVE;
        }
        done(code);
      });
  },
};
