#!/usr/bin/env node
// The cairn CLI. Sources are TypeScript; tsx's loader compiles them on the fly.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
