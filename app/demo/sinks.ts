// Local stand-ins for Apple's and Google's push services that print every push they receive.
import {
  type FakeApns,
  type RecordedApnsRequest,
  startFakeApns,
} from '../../harness/fakes/apns-server.js';
import { type FakeFcm, type FakeSend, startFakeFcm } from '../../harness/fakes/fcm-server.js';
import { type Say, short } from './say.js';

export interface Sinks {
  apns: FakeApns;
  fcm: FakeFcm;
  /** Prints the pushes received since the last call. */
  flush(): void;
  /** Stops printing and closes both servers. */
  close(): Promise<void>;
}

const POLL_MS = 100;

export function describeApns(r: RecordedApnsRequest): string[] {
  const h = r.headers;
  return [
    `  APNs push → device ${short(r.deviceToken)}  topic ${h['apns-topic']}  ` +
      `priority ${h['apns-priority'] ?? '10'}  type ${h['apns-push-type'] ?? '-'}`,
    `    payload ${JSON.stringify(r.payload)}`,
  ];
}

export function describeFcm(s: FakeSend): string[] {
  const { token: _token, ...rest } = s.message;
  return [
    `  FCM push → device ${short(s.deviceToken)}  priority ${s.message.android?.priority ?? '-'}`,
    `    message ${JSON.stringify(rest)}`,
  ];
}

export async function startSinks(say: Say): Promise<Sinks> {
  const [apns, fcm] = await Promise.all([startFakeApns(), startFakeFcm()]);
  let apnsSeen = 0;
  let fcmSeen = 0;
  const flush = () => {
    for (const r of apns.requests.slice(apnsSeen)) for (const l of describeApns(r)) say(l);
    for (const s of fcm.sends.slice(fcmSeen)) for (const l of describeFcm(s)) say(l);
    apnsSeen = apns.requests.length;
    fcmSeen = fcm.sends.length;
  };
  const timer = setInterval(flush, POLL_MS);
  return {
    apns,
    fcm,
    flush,
    async close() {
      clearInterval(timer);
      flush();
      await Promise.all([apns.close(), fcm.close()]);
    },
  };
}
