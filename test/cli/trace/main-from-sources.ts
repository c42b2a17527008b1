// Runs the CLI from src/ (through tsx) instead of the bundle bin/cairn.js runs: in the bundle the
// libraries are part of cairn's own files, so only the sources show, package by package, what a
// command loads. Used by lazy-imports.test.ts.
import { main } from '../../../src/cli/main.ts';

process.exitCode = await main(process.argv);
