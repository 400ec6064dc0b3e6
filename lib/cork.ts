// Writes made in one turn of the event loop leave in one system call (and, with Nagle off, one
// packet): the socket is corked at the first write of the turn and uncorked after the turn's I/O.
import type { Socket } from 'node:net';

const corked = new WeakSet<object>();

/** Holds `socket`'s writes until the end of this turn of the event loop. */
export function corkForThisTurn(socket: Pick<Socket, 'cork' | 'uncork'>): void {
  if (corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  setImmediate(() => {
    corked.delete(socket);
    socket.uncork();
  });
}
