// A bare XEP-0114 handshake over node:net, to probe a server's component port.
import { createHash } from 'node:crypto';
import net from 'node:net';

export interface HandshakeResult {
  /** The server answered `<handshake/>`. */
  accepted: boolean;
  /** Everything the server sent. */
  transcript: string;
  /** Open when accepted: send stanzas or end it with `</stream:stream>`. */
  socket: net.Socket;
}

/** Opens a component stream to `domain` and authenticates with SHA-1(streamId + secret). */
export function componentHandshake(
  port: number,
  domain: string,
  secret: string,
  timeoutMs = 5000,
): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let transcript = '';
    let sent = false;
    let settled = false;
    const finish = (accepted: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      if (!accepted) socket.destroy();
      resolve({ accepted, transcript, socket });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`component handshake timed out; got: ${transcript}`));
    }, timeoutMs);
    socket.on('error', () => {}); // the 'close' that follows settles the result
    socket.once('close', () => finish(false));
    socket.once('connect', () => {
      socket.write(
        "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' " +
          `xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`,
      );
    });
    socket.on('data', (data: Buffer) => {
      transcript += data.toString('utf8');
      const id = /<stream:stream\b[^>]*\sid=['"]([^'"]+)['"]/.exec(transcript)?.[1];
      if (id && !sent) {
        sent = true;
        const digest = createHash('sha1')
          .update(id + secret)
          .digest('hex');
        socket.write(`<handshake>${digest}</handshake>`);
      }
      if (/<handshake\s*\/>|<handshake><\/handshake>/.test(transcript)) finish(true);
      else if (/stream:error|<\/stream:stream>/.test(transcript)) finish(false);
    });
  });
}
