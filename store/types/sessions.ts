// Store types, ad-hoc command sessions: XEP-0050 commands waiting for their form.

/** A XEP-0050 command that showed its form and waits for it: who may complete it, and which. */
export interface CommandSession {
  node: string;
  /** Full JID of the requester: only it may complete the session. */
  from: string;
}

export interface SessionStore {
  /**
   * Keeps the session `id` until `expiresAt`; 'full' (nothing kept) when `owner` (a bare JID)
   * already has `max` sessions open that have not expired.
   */
  open(
    id: string,
    session: CommandSession & { owner: string },
    o: { now: number; expiresAt: number; max: number },
  ): Promise<'opened' | 'full'>;
  /**
   * Removes the session `id` when it is the one `session` names (its node and full JID) and has
   * not expired; whether it did. Two takers never both get it; a sender that is not the one who
   * opened it cannot end it.
   */
  take(id: string, session: CommandSession, now: number): Promise<boolean>;
}
