-- xmpp-push-relay: the lines to add to Prosody 0.12's prosody.cfg.lua (see docs/prosody.md).
--
-- This is the exact file the integration tests run: harness/servers/prosody.ts builds its
-- Prosody config from it. It replaces only these example values, which you replace too:
--   push.example.org     the component's domain      = jid in [component] of config.toml
--   5347                 the component port          = the port of server in [component]
--   @COMPONENT_SECRET@   the shared component secret = secret in [component]
-- and it adds its own modules to modules_enabled, as you keep yours.

-- Global section: these three modules must be in your modules_enabled list.
modules_enabled = {
  "smacks";       -- XEP-0198 Stream Management: hibernated sessions are pushed
  "offline";      -- messages to offline users are stored, and pushed
  "cloud_notify"; -- XEP-0357 Push Notifications (package prosody-modules)
}

-- Global section: where external components connect. Keep it on loopback: the
-- component connection is not encrypted.
component_ports = { 5347 }
component_interfaces = { "127.0.0.1" }

-- After your VirtualHost sections: the push component.
Component "push.example.org"
  component_secret = "@COMPONENT_SECRET@"
