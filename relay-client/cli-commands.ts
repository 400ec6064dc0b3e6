// The relay client's CLI commands: what each needs, the call it makes, and what it prints.
import type { RelayClient } from './client.js';
import { RelayNotFoundError } from './errors.js';
import type { Device, DeviceKind, Priority, TokenInfo } from './types.js';

export type Values = Record<string, string | undefined>;

/** A command's answer: `json` for --json, `human` otherwise. */
export interface Result {
  json: unknown;
  human: string;
}

export interface Command {
  /** Options after `--relay URL [--key K]`. */
  usage: string;
  /** Options it takes besides --relay, --key, --json and --help. */
  options: string[];
  required: string[];
  positional?: string;
  /** Needs an API key. */
  key: boolean;
  /** What a 404 means for this command, and a 401. */
  notFound?: string;
  unauthorized?: string;
  run(client: RelayClient, v: Values, positionals: string[]): Promise<Result>;
}

/** What the CLI calls providers, and what the API calls device kinds. */
export type Provider = 'apns' | 'fcm';
export const KINDS: Record<Provider, DeviceKind> = { apns: 'apns', fcm: 'gcm' };

export class UsageError extends Error {}

const ONCE = 'The relay shows it only once: keep it now.';
const UNKNOWN_TOKEN = 'The relay does not know this token (it may have expired or been revoked).';

export const COMMANDS: Record<string, Command> = {
  'account create': {
    usage: '--username U --password P [--email E]',
    options: ['username', 'password', 'email'],
    required: ['username', 'password'],
    key: false,
    unauthorized: 'Wrong password for this username.',
    async run(client, v) {
      const a = await client.createAccount({
        username: v.username as string,
        password: v.password as string,
        email: v.email,
      });
      const what = a.created ? `Account ${a.username} created` : `Logged in as ${a.username}`;
      return { json: a, human: `${what} (id ${a.id}). API key: ${a.apiKey}\n${ONCE}` };
    },
  },
  'account delete': {
    usage: '--id N',
    options: ['id'],
    required: ['id'],
    key: true,
    notFound: 'The relay has no such account.',
    async run(client, v) {
      const id = wholeNumber(v.id, '--id');
      await client.deleteAccount(id);
      return { json: { id, deleted: true }, human: `Account ${id} deleted.` };
    },
  },
  'device add': {
    usage: '--provider apns|fcm --token DEVICE_TOKEN [--name N] [--device-id D]',
    options: ['provider', 'token', 'name', 'device-id'],
    required: ['provider', 'token'],
    key: true,
    async run(client, v) {
      const provider = providerOf(v.provider);
      const d = await client.addDevice(KINDS[provider], {
        registrationId: v.token as string,
        name: v.name,
        deviceId: v['device-id'],
      });
      return { json: { provider, ...d }, human: `Device added: ${deviceLine(provider, d)}.` };
    },
  },
  'device list': {
    usage: '[--provider apns|fcm]',
    options: ['provider'],
    required: [],
    key: true,
    async run(client, v) {
      const providers: Provider[] = v.provider ? [providerOf(v.provider)] : ['apns', 'fcm'];
      // Without --provider, a relay that does not offer one of them (404) has none of it.
      const lists = await Promise.all(
        providers.map((p) =>
          client.listDevices(KINDS[p]).catch((err: unknown) => {
            if (v.provider || !(err instanceof RelayNotFoundError)) throw err;
            return [];
          }),
        ),
      );
      const all = lists.flatMap((ds, i) =>
        ds.map((d) => ({ provider: providers[i] as Provider, ...d })),
      );
      const human = all.map((d) => deviceLine(d.provider, d)).join('\n');
      return { json: all, human: human || 'No devices.' };
    },
  },
  'device remove': {
    usage: '--provider apns|fcm --id N',
    options: ['provider', 'id'],
    required: ['provider', 'id'],
    key: true,
    notFound: 'The relay has no such device for this account.',
    async run(client, v) {
      const provider = providerOf(v.provider);
      const id = wholeNumber(v.id, '--id');
      await client.removeDevice(KINDS[provider], id);
      return { json: { provider, id, removed: true }, human: `Device ${id} removed.` };
    },
  },
  'token create': {
    usage: '--device ID [--provider apns|fcm] [--name N]',
    options: ['device', 'provider', 'name'],
    required: ['device'],
    key: true,
    async run(client, v) {
      const device = wholeNumber(v.device, '--device');
      const kind = KINDS[providerOf(v.provider ?? 'apns')];
      const t = await client.createToken(
        kind === 'apns'
          ? { apnsDevice: device, name: v.name }
          : { gcmDevice: device, name: v.name },
      );
      const human = `Token created: ${tokenLine(t)}.\nToken: ${t.token}\n${ONCE}`;
      return { json: t, human };
    },
  },
  'token list': {
    usage: '',
    options: [],
    required: [],
    key: true,
    async run(client) {
      const tokens = await client.listTokens();
      return { json: tokens, human: tokens.map(tokenLine).join('\n') || 'No tokens.' };
    },
  },
  'token revoke': {
    usage: 'TOKEN_OR_ID',
    options: [],
    required: [],
    positional: 'TOKEN_OR_ID',
    key: true,
    notFound: UNKNOWN_TOKEN,
    async run(client, _v, positionals) {
      await client.revokeToken(positionals[0] as string);
      return { json: { revoked: true }, human: 'Token revoked.' };
    },
  },
  push: {
    usage: '--token T [--data TEXT] [--priority high|low]',
    options: ['token', 'data', 'priority'],
    required: ['token'],
    key: false,
    notFound: UNKNOWN_TOKEN,
    async run(client, v) {
      if (v.priority !== undefined && v.priority !== 'high' && v.priority !== 'low') {
        throw new UsageError('--priority must be high or low');
      }
      const answer = await client.sendMessage({
        token: v.token as string,
        data: v.data,
        priority: v.priority as Priority | undefined,
      });
      return { json: answer, human: 'The relay accepted the push.' };
    },
  },
};

function providerOf(s: string | undefined): Provider {
  if (s === 'apns' || s === 'fcm') return s;
  if (s === 'gcm') return 'fcm';
  throw new UsageError('--provider must be apns or fcm');
}

function wholeNumber(s: string | undefined, option: string): number {
  if (!s || !/^\d{1,15}$/.test(s)) throw new UsageError(`${option} must be a whole number`);
  return Number(s);
}

/** Device tokens are credentials of a kind: the human output shows only their start. */
function deviceLine(provider: Provider, d: Device): string {
  const name = d.name ? ` "${d.name}"` : '';
  const token = d.registrationId.length > 8 ? `${d.registrationId.slice(0, 8)}…` : d.registrationId;
  const state = d.active ? 'active' : 'inactive';
  return `${provider} device ${d.id}${name}, ${state}, token ${token}, added ${d.dateCreated}`;
}

function tokenLine(t: TokenInfo): string {
  const name = t.name ? ` "${t.name}"` : '';
  const device =
    t.apnsDevice !== null ? `apns device ${t.apnsDevice}` : `fcm device ${t.gcmDevice}`;
  const expires = t.dateExpires ? `expires ${t.dateExpires}` : 'does not expire';
  return `id ${t.id}${name} for ${device}, created ${t.dateCreated}, ${expires}`;
}
