/** Every XML namespace the component speaks, in one place. */
export const NS_PUSH = 'urn:xmpp:push:0'; // XEP-0357
export const NS_RELAY = 'urn:xmpp:push-relay:0'; // our relay protocol (xep-draft/push-relay.xml)
export const NS_PUSH_SUMMARY = 'urn:xmpp:push:summary'; // XEP-0357 §7 summary FORM_TYPE
export const NS_PUSH_ENCRYPTED = 'tigase:push:encrypt:0'; // Prosody mod_cloud_notify_encrypted
export const NS_PUSH_JINGLE = 'tigase:push:jingle:0'; // calls (Tigase server)
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub'; // XEP-0060
export const NS_PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info'; // XEP-0030
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
export const NS_COMMANDS = 'http://jabber.org/protocol/commands'; // XEP-0050
export const NS_DATA = 'jabber:x:data'; // XEP-0004
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'; // RFC 6120 §8.3
