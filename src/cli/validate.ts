import type { Command } from 'commander';

// Registered by main.ts; the command lands with its issue.
export function registerValidate(_program: Command): void {}
