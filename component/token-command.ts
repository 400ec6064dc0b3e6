// An ad-hoc command handing a user a whitelist token for their registered devices, so that
// anyone they give it to can wake them through the relay HTTP API (POST /api/v1/messages/).
import { isoTime } from '../lib/time.js';
import type { RelayService } from '../relay/service.js';
import type { Command } from './adhoc.js';
import { buildForm, single } from './forms.js';
import { bareJid, parseJid } from './jid.js';
import { quotaError } from './quota-error.js';
import { StanzaError } from './stanza-error.js';

export function tokenCommand(service: RelayService): Command {
  return {
    node: 'create-token',
    name: 'Create a whitelist token for my devices',
    instructions:
      'Whoever holds the token can wake your registered devices; revoke it with a push-relay <revoke/> request.',
    fields: [{ var: 'name', type: 'text-single', label: 'Who the token is for (optional)' }],
    async run(from, form) {
      const requester = parseJid(from);
      if (!requester?.local) return new StanzaError('forbidden', 'only user accounts have tokens');
      const name = (single(form, 'name') ?? '').slice(0, 255);
      const issued = await service.issueXmppToken(bareJid(requester), name);
      if (!issued) return new StanzaError('item-not-found', 'register a device first');
      if ('over' in issued) return quotaError(issued);
      return buildForm('result', [
        { var: 'token', type: 'text-private', value: issued.token },
        {
          var: 'expires',
          type: 'text-single',
          value: isoTime(issued.record.expiresAt) ?? '',
        },
      ]);
    },
  };
}
