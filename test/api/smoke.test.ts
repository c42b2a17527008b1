import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';

describe('cli', () => {
  it('names itself cairn and lists its version', () => {
    const p = buildProgram();
    expect(p.name()).toBe('cairn');
    expect(p.version()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
