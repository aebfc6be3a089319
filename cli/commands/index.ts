import type { CommandModule } from '../command-module.js';
import { evidenceCommand } from './evidence.js';
import { gateCommand } from './gate.js';
import { keysCommand } from './keys.js';
import { policyCommand } from './policy.js';
import { receiverCommand } from './receiver.js';
import { registryCommand } from './registry.js';
import { scanCommand } from './scan.js';
import { serveCommand } from './serve.js';

/** Every CLI command, explicitly. */
export const COMMANDS: readonly CommandModule[] = [
  scanCommand,
  policyCommand,
  keysCommand,
  evidenceCommand,
  receiverCommand,
  gateCommand,
  registryCommand,
  serveCommand,
];
