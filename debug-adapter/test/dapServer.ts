/**
 * What the debug benchmark drives: DAP over TCP, every session served by this one process, as VS
 * Code's extension host runs them inline (so a later session finds what earlier ones left, such as
 * the kept DWARF engine). Prints `listening on PORT` on stderr once it accepts connections.
 */
import { createServer, type AddressInfo } from 'node:net';
import { WancoDebugSession } from '../src/session';

const server = createServer((socket) => {
  socket.setNoDelay(true); // a DAP message is one small write: no waiting for the previous one's ACK
  const session = new WancoDebugSession();
  session.setRunAsServer(true);
  session.start(socket, socket);
}).listen(0, '127.0.0.1', () => process.stderr.write(`listening on ${(server.address() as AddressInfo).port}\n`));
