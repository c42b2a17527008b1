import type { Command } from 'commander';

// Registered by main.ts; the command lands with its issue.
export function registerEngine(_program: Command): void {}
