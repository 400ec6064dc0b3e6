// XEP-0050: Ad-Hoc Commands — one-stage commands whose form may come with the first execute;
// the session between the form and its submission lives in the store, so any process serving
// the component (now or after a restart) completes it.
import { randomBytes } from 'node:crypto';
import { type Element, xml } from '@xmpp/component';
import type { SessionStore } from '../store/types.js';
import type { CommandInfo } from './disco.js';
import { buildForm, type FieldSpec, type FormValues, readForm } from './forms.js';
import type { IqRequest, IqRoute, Reply } from './iq-router.js';
import { bareJid, parseJid } from './jid.js';
import { NS_COMMANDS } from './ns.js';
import { StanzaError } from './stanza-error.js';

export interface Command extends CommandInfo {
  /** The form shown when the command is executed without one; empty = runs at once. */
  fields: FieldSpec[];
  instructions?: string;
  /** Who may see and run it (default: everyone). */
  allowed?: (from: string) => boolean;
  /** Runs the command with the submitted values; returns a result form or an error. */
  run(from: string, form: FormValues): Promise<Element | StanzaError>;
}

const SESSION_TTL_MS = 10 * 60_000;
/** Open sessions per bare JID: a client waits on one form at a time, a flood gets an error. */
export const MAX_SESSIONS_PER_JID = 20;

function commandError(condition: 'bad-request', text: string, app: string): StanzaError {
  return new StanzaError(condition, text, xml(app, { xmlns: NS_COMMANDS }));
}

/**
 * https://xmpp.org/extensions/xep-0050.html#execute — a command executed without a form gets
 * the form (status `executing`); the filled form, in that first request or in the next one
 * with the session id, completes it.
 */
export function adhocRoute(
  commands: Command[],
  sessions: SessionStore,
): {
  route: IqRoute;
  visible: (from: string) => CommandInfo[];
} {
  const visible = (from: string) => commands.filter((c) => c.allowed?.(from) ?? true);

  async function handler({ from, element }: IqRequest): Promise<Reply> {
    const node = element.attrs.node;
    const command = visible(from).find((c) => c.node === node);
    if (!node || !command) return new StanzaError('item-not-found', 'no such command');
    const action = element.attrs.action ?? 'execute';
    let sessionid = element.attrs.sessionid;
    if (sessionid) {
      // Only the sender who opened it, for the same command, can go on with (and end) a session.
      if (!(await sessions.take(sessionid, { node, from }, Date.now()))) {
        return commandError('bad-request', 'unknown or expired session', 'bad-sessionid');
      }
    }
    const reply = (status: string, ...children: Element[]) =>
      xml(
        'command',
        {
          xmlns: NS_COMMANDS,
          node,
          sessionid: sessionid ?? randomBytes(12).toString('hex'),
          status,
        },
        ...children,
      );
    if (action === 'cancel') return reply('canceled');
    if (!['execute', 'complete', 'next'].includes(action)) {
      return commandError('bad-request', `unsupported action ${action}`, 'malformed-action');
    }
    const submitted = element.getChildren('x').find((x) => x.attrs.type === 'submit');
    const form = readForm(submitted);
    if (!form && command.fields.length > 0) {
      if (sessionid) return commandError('bad-request', 'the form is missing', 'bad-payload');
      const id = randomBytes(12).toString('hex');
      const jid = parseJid(from);
      const owner = jid ? bareJid(jid) : from;
      const now = Date.now();
      const opened = await sessions.open(
        id,
        { node, from, owner },
        { now, expiresAt: now + SESSION_TTL_MS, max: MAX_SESSIONS_PER_JID },
      );
      if (opened === 'full') {
        return new StanzaError(
          'resource-constraint',
          `too many open command sessions: complete or cancel one (at most ${MAX_SESSIONS_PER_JID})`,
        );
      }
      sessionid = id;
      return reply(
        'executing',
        xml('actions', { execute: 'complete' }, xml('complete')),
        buildForm('form', command.fields, {
          title: command.name,
          instructions: command.instructions,
        }),
      );
    }
    const result = await command.run(from, form ?? new Map());
    if (result instanceof StanzaError) return result;
    return reply('completed', result);
  }

  return {
    route: { type: 'set', ns: NS_COMMANDS, name: 'command', handler, features: [NS_COMMANDS] },
    visible,
  };
}
