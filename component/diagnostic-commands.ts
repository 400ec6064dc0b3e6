// Ad-hoc commands that tell users and admins what is going on, in plain words.
import { type Apps, describeApp } from '../relay/apps.js';
import type { ConfigSuspect } from '../relay/config-suspects.js';
import { QuotaExceededError, type Quotas } from '../relay/quotas.js';
import type { Targets } from '../relay/targets.js';
import type { Store } from '../store/types.js';
import type { Command } from './adhoc.js';
import type { Connection } from './connection.js';
import { ago, explainRegistrations } from './explain.js';
import { buildForm, type FieldSpec, single } from './forms.js';
import { bareJid, parseJid } from './jid.js';
import { quotaError } from './quota-error.js';
import type { Registrar } from './registrar.js';
import { StanzaError } from './stanza-error.js';

export interface DiagnosticOptions {
  store: Store;
  targets: Targets;
  registrar: Registrar;
  /** Test pushes per user. */
  quotas: Quotas;
  /** Bare JIDs allowed to run the admin commands. */
  admins: readonly string[];
  /** Plain sentences on the component's health. */
  status: () => Promise<string[]>;
}

const summary = (title: string, lines: string[]) =>
  buildForm('result', [{ var: 'summary', type: 'text-multi', label: title, values: lines }], {
    title,
  });

const requester = (from: string) => {
  const j = parseJid(from);
  return j?.local ? bareJid(j) : undefined;
};

const jidField: FieldSpec = {
  var: 'jid',
  type: 'jid-single',
  label: 'User (bare JID)',
  required: true,
};

export function diagnosticCommands(o: DiagnosticOptions): Command[] {
  const isAdmin = (from: string) => {
    const j = parseJid(from);
    return j !== undefined && o.admins.includes(bareJid(j));
  };
  const userOf = (
    from: string,
    then: (jid: string) => Promise<ReturnType<typeof summary> | StanzaError>,
  ) => {
    const jid = requester(from);
    return jid
      ? then(jid)
      : Promise.resolve(new StanzaError('forbidden', 'only user accounts have registrations'));
  };
  const explain = async (jid: string) =>
    explainRegistrations(
      jid,
      await o.store.registrations.listByJid(jid),
      await o.store.collected.listByJid(jid),
      o.targets,
    );
  const targetOf = (value: string | undefined) => {
    const j = value ? parseJid(value) : undefined;
    return j?.local && !j.resource ? bareJid(j) : undefined;
  };

  return [
    {
      node: 'explain',
      name: 'Explain my push registrations',
      fields: [],
      run: (from) =>
        userOf(from, async (jid) => summary('Your push registrations', await explain(jid))),
    },
    {
      node: 'test-push',
      name: 'Send a test push to my devices',
      fields: [],
      run: (from) =>
        userOf(from, async (jid) => {
          const regs = await o.store.registrations.listByJid(jid);
          if (regs.length === 0)
            return summary('Test push', ['You have no push registrations to test.']);
          const over = await o.quotas.testPush(jid);
          if (over) return quotaError(over);
          const lines = await Promise.all(
            regs.map(async (r) => {
              const outcome = await o.targets
                .push(r.target, { priority: 'high', data: 'test push' }, jid)
                .catch((err: unknown) => {
                  if (err instanceof QuotaExceededError) return 'limited' as const;
                  throw err;
                });
              const said =
                typeof outcome === 'object'
                  ? `not sent: ${'unavailable' in outcome ? outcome.unavailable : outcome.undeliverable}.`
                  : {
                      queued: 'sent: it should appear on the device within seconds.',
                      coalesced: 'sent together with a push that was already on its way.',
                      gone: 'not sent: the device behind this registration is gone; register again.',
                      limited:
                        'not sent: too many pushes through that relay just now; try again later.',
                    }[outcome];
              return `Device '${r.deviceId}': ${said}`;
            }),
          );
          return summary('Test push', lines);
        }),
    },
    {
      node: 'admin-list-registrations',
      name: "List a user's push registrations (admin)",
      allowed: isAdmin,
      fields: [jidField],
      async run(_from, form) {
        const jid = targetOf(single(form, 'jid'));
        if (!jid) return new StanzaError('bad-request', 'jid must be a bare user JID');
        return summary(`Registrations of ${jid}`, await explain(jid));
      },
    },
    {
      node: 'admin-remove-registrations',
      name: "Remove a user's push registrations (admin)",
      allowed: isAdmin,
      fields: [
        jidField,
        { var: 'device-id', type: 'text-single', label: 'Only this device (optional)' },
      ],
      async run(_from, form) {
        const jid = targetOf(single(form, 'jid'));
        if (!jid) return new StanzaError('bad-request', 'jid must be a bare user JID');
        const only = single(form, 'device-id');
        const regs = (await o.store.registrations.listByJid(jid)).filter(
          (r) => only === undefined || r.deviceId === only,
        );
        for (const r of regs) {
          await o.registrar.unregister({
            jid,
            provider: r.provider,
            deviceId: r.deviceId,
            muc: r.muc,
          });
        }
        return summary('Removed', [`Removed ${regs.length} registration(s) of ${jid}.`]);
      },
    },
    {
      node: 'admin-status',
      name: 'Push component status (admin)',
      allowed: isAdmin,
      fields: [],
      run: async () => summary('Status', await o.status()),
    },
  ];
}

/** Plain sentences on the component's health, for admin-status. */
export async function statusLines(
  connection: Connection,
  store: Store,
  apps: Apps,
  started: number,
  suspects: ConfigSuspect[] = [],
): Promise<string[]> {
  const queue = await store.queue.stats(Date.now()).catch(() => undefined);
  return [
    `Running since ${new Date(started).toISOString()} (started ${ago(started)}).`,
    `XMPP link: ${connection.online ? 'connected' : 'not connected'}; reconnected ${connection.reconnects} time(s).`,
    queue
      ? `Store: reachable. Delivery queue: ${queue.depth} push(es), oldest ${Math.round(queue.oldestAgeMs / 1000)} s old.`
      : 'Store: NOT reachable — publishes are answered with wait errors until it is back.',
    apps.list.length > 0
      ? `Delivers for: ${apps.list.map(describeApp).join('; ')}.`
      : 'Delivers for: nothing (no app is configured: [apns], [fcm] or [[apps]]).',
    ...suspects.map(
      (x) =>
        `App '${x.app}': its configuration looks wrong since ${new Date(x.since).toISOString()}: APNs answers ${x.reason} for devices that never received a push (check its topic, key and environment).`,
    ),
  ];
}
