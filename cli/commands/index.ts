import type { CommandModule } from '../command-module.js';
import { policyCommand } from './policy.js';
import { scanCommand } from './scan.js';

/** Every CLI command, explicitly. */
export const COMMANDS: readonly CommandModule[] = [scanCommand, policyCommand];
