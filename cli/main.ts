#!/usr/bin/env node
// Placeholder entry; the scan command is wired in cli/commands/scan.ts.
