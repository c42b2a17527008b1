import type { Command } from 'commander';

// Registered by main.ts; the command lands with its issue.
export function registerDemo(_program: Command): void {}
