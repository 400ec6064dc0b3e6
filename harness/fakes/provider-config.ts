// Our process's provider sections for the fake APNs and FCM: their credentials written into the
// config's folder, and the `[apns]` and `[fcm]` TOML that names them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FakeApns, testApnsKey } from './apns-server.js';
import type { FakeFcm } from './fcm-server.js';

export function fakeProviderSections(
  dir: string,
  o: {
    apns: Pick<FakeApns, 'url' | 'ca'>;
    fcm: Pick<FakeFcm, 'url' | 'ca' | 'serviceAccount'>;
    topic: string;
  },
): string {
  const key = testApnsKey();
  writeFileSync(join(dir, 'AuthKey.p8'), key.key);
  writeFileSync(join(dir, 'apns-ca.pem'), o.apns.ca);
  writeFileSync(join(dir, 'fcm-ca.pem'), o.fcm.ca);
  writeFileSync(join(dir, 'service-account.json'), JSON.stringify(o.fcm.serviceAccount));
  return `[apns]
key_file = "AuthKey.p8"
key_id = "${key.keyId}"
team_id = "${key.teamId}"
topic = "${o.topic}"
environment = "sandbox"
endpoint = "${o.apns.url}"
ca_file = "apns-ca.pem"

[fcm]
service_account_file = "service-account.json"
endpoint = "${o.fcm.url}"
ca_file = "fcm-ca.pem"
`;
}
