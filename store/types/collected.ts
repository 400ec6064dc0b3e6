// Store types, tokens collected from users' clients: fallback targets, one per user and relay.
import type { Target } from './registrations.js';

/** A whitelist token a user's client handed to this component, kept as a fallback target. */
export interface CollectedToken {
  /** Bare JID of the user whose client gave it. */
  jid: string;
  /** `token` (of this relay, by id) or `remote` (another relay's token, kept to send on). */
  target: Exclude<Target, { kind: 'device' }>;
  createdAt: number;
}

export interface CollectedStore {
  /** Keeps the token, replacing the one the user gave earlier for the same relay. */
  put(c: CollectedToken): Promise<void>;
  /** The user's collected tokens, oldest first. */
  listByJid(jid: string): Promise<CollectedToken[]>;
  /** Forgets the user's token for `relay` (`local` for this relay's own); false when none. */
  remove(jid: string, relay: string): Promise<boolean>;
}

/** The relay a target goes through: `local` for this relay, else a `[[relays]]` name. */
export const targetRelay = (t: Target): string => (t.kind === 'remote' ? t.relay : 'local');
