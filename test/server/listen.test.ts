// `--listen`: a bare port binds loopback only; a host is named on purpose; nonsense is refused.
import { describe, expect, it } from 'vitest';
import { isLoopback, parseListen } from '../../src/server/listen.ts';

describe('parseListen', () => {
  it.each([
    ['8080', '127.0.0.1', 8080],
    [':8080', '127.0.0.1', 8080],
    ['0.0.0.0:8080', '0.0.0.0', 8080],
    ['localhost:9', 'localhost', 9],
    ['[::1]:8080', '::1', 8080],
    ['[::]:0', '::', 0],
  ])('%s binds %s port %i', (text, host, port) => {
    expect(parseListen(text)).toEqual({ host, port });
  });

  it.each(['', 'x', '99999', '1:2:3', '[::1]', 'http://0.0.0.0:80', '8080 '.repeat(2)])('refuses %j with the flag named', (text) => {
    expect(() => parseListen(text)).toThrow(/--listen must be \[host:\]port/);
  });

  it('tells loopback from the rest', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1'].some(isLoopback)).toBe(false);
  });
});
