// Child process: a component that does nothing but answer every pubsub set with an empty result,
// on the same library and stream code as ours (@xmpp/component 0.13.1). Run against the same
// generator, it gives this machine's ceiling for the XMPP side.
//   node dist/bench/noop-component.js <port> <domain> <secret>
//   parent → child: { type: 'count' }; child → parent: { type: 'online' }, { type: 'count', answered }
import { component } from '@xmpp/component';

const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';

async function main(): Promise<void> {
  const [port, domain, secret] = process.argv.slice(2);
  if (!port || !domain || !secret) throw new Error('usage: noop-component PORT DOMAIN SECRET');
  const xmpp = component({ service: `xmpp://127.0.0.1:${port}`, domain, password: secret });
  xmpp.reconnect.stop();
  xmpp.on('error', (err: Error) => console.error(`noop component: ${err.message}`));
  // `true` is an empty result; returning undefined would make the library answer
  // service-unavailable.
  let answered = 0;
  xmpp.iqCallee.set(NS_PUBSUB, 'pubsub', () => {
    answered++;
    return true;
  });
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'count' && process.connected) process.send?.({ type: 'count', answered });
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(0), 2000);
    await xmpp.stop().catch(() => undefined);
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
  // BENCH_NODELAY=1: TCP_NODELAY on the component's socket (the library leaves Nagle on), to see
  // what Nagle's algorithm costs the IQ answers.
  if (process.env.BENCH_NODELAY === '1') {
    xmpp.on('connect', () => xmpp.socket?.setNoDelay(true));
  }
  await xmpp.start();
  process.send?.({ type: 'online' });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
