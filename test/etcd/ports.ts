// A free loopback port for processes a test starts itself.
import { createServer } from 'node:net';

export async function freePortForTest(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise((done) => server.close(done));
  return port;
}
