/** A JID split into its parts (RFC 7622), without normalisation beyond lower-casing the domain. */
export interface JidParts {
  local?: string;
  domain: string;
  resource?: string;
}

export function parseJid(s: string): JidParts | undefined {
  if (s.length === 0 || s.length > 3071) return undefined;
  const slash = s.indexOf('/');
  const bare = slash === -1 ? s : s.slice(0, slash);
  const resource = slash === -1 ? undefined : s.slice(slash + 1);
  const at = bare.indexOf('@');
  const local = at === -1 ? undefined : bare.slice(0, at);
  const domain = (at === -1 ? bare : bare.slice(at + 1)).toLowerCase();
  if (!domain || /[\s@/]/.test(domain) || local === '' || resource === '') return undefined;
  return { local, domain, resource };
}

export function bareJid(j: JidParts): string {
  return j.local === undefined ? j.domain : `${j.local}@${j.domain}`;
}
