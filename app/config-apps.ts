// The app sections of the config schema ([apns], [fcm], [[apps]]) and their provider credentials.
import { z } from 'zod';

const appName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lowercase letters, digits, ., - and _');

/** How long a provider's answer to one send is waited for (default 5 s). */
const requestTimeout = (doc: string) =>
  z.number().int().min(100).max(60000).default(5000).describe(doc);

const apnsFields = z.object({
  key_file: z.string().describe('The .p8 token signing key from Apple.'),
  key_id: z.string().regex(/^[A-Z0-9]{10}$/, 'expected the 10-character key id from Apple'),
  team_id: z.string().regex(/^[A-Z0-9]{10}$/, 'expected the 10-character team id from Apple'),
  topic: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,255}$/, "expected the app's bundle id")
    .describe("The app's bundle id."),
  voip_topic: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,255}\.voip$/, 'expected "<bundle id>.voip"')
    .optional()
    .describe('Topic of VoIP (PushKit) pushes for calls; usually "<bundle id>.voip".'),
  environment: z
    .enum(['production', 'sandbox', 'both'])
    .default('production')
    .describe('"both": each registration says which of the two its build uses.'),
  endpoint: z.url().optional().describe('Override of the APNs host (staging, tests).'),
  sandbox_endpoint: z
    .url()
    .optional()
    .describe('Override of the sandbox host when environment = "both".'),
  ca_file: z.string().optional().describe('Extra CA certificate for that endpoint.'),
  max_in_flight: z.number().int().min(1).max(5000).default(1000),
  request_timeout_ms: requestTimeout(
    'A request APNs has not answered this long is given up and sent again later.',
  ),
});

const fcmFields = z.object({
  service_account_file: z.string().describe('Service account JSON from Firebase.'),
  endpoint: z.url().optional().describe('Override of the Google hosts (staging, tests).'),
  ca_file: z.string().optional().describe('Extra CA certificate for that endpoint.'),
  max_connections: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(128)
    .describe(
      'Sends at once, one HTTPS connection each (FCM answers one request per connection at a time): sends per second are at most this divided by the round trip.',
    ),
  request_timeout_ms: requestTimeout(
    'A send FCM has not answered this long is given up (its connection closed) and sent again later.',
  ),
});

/** What every `[[apps]]` entry has besides its credentials. */
const appFields = {
  name: appName,
  default: z
    .boolean()
    .default(false)
    .describe('The app of registrations that name none (one per provider).'),
  tigase_providers: z
    .array(z.string().min(1).max(255))
    .default([])
    .describe('`provider` values of Tigase register-device that mean this app.'),
  push_module: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('`pushModule` value of Monal-style (stateless) clients that means this app.'),
  stateless: z
    .boolean()
    .default(false)
    .describe('Accept Monal-style publishes whose node is the device token itself.'),
};

/** `[apns]`, `[fcm]` and `[[apps]]`, in this order, as keys of the schema. */
export const appSections = {
  apns: apnsFields.strict().optional().describe('The default APNs app (named "apns").'),
  fcm: fcmFields.strict().optional().describe('The default FCM app (named "fcm").'),
  apps: z
    .array(
      z.discriminatedUnion('provider', [
        apnsFields.extend({ provider: z.literal('apns'), ...appFields }).strict(),
        fcmFields.extend({ provider: z.literal('fcm'), ...appFields }).strict(),
      ]),
    )
    .default([])
    .describe('Apps this instance pushes for, each with its own credentials.'),
};
