// Sending for an app: the device's environment picks the provider connection, the app gives
// the topic (and its VoIP topic for PushKit tokens).
import type { Device, Environment } from '../store/types.js';
import { type AppInfo, environmentOf } from './apps.js';
import type { Notification } from './notification.js';
import type { Provider, SendResult } from './provider.js';

export interface AppSender {
  readonly app: AppInfo;
  /** The provider connection the device's pushes go through (shared by apps). */
  connection(device: Device): Provider | undefined;
  send(device: Device, notification: Notification): Promise<SendResult>;
}

/** Groups the pushes that replace each other on a device (not calls: each one rings). */
const COLLAPSE_ID = 'xmpp-push';

export function appSender(
  app: AppInfo,
  o: {
    /** The connection per environment (APNs), or the one connection under `production` (FCM). */
    connections: ReadonlyMap<Environment, Provider>;
    topic?: string;
    voipTopic?: string;
  },
): AppSender {
  // FCM apps have one connection, kept under `production`.
  const environment = (device: Device) => environmentOf(app, device) ?? 'production';
  return {
    app,
    connection: (device) => o.connections.get(environment(device)),
    send(device, notification) {
      const provider = o.connections.get(environment(device));
      if (!provider) {
        return Promise.resolve({
          ok: false,
          kind: 'rejected',
          reason: `app ${app.name} has no ${environment(device)} connection`,
        });
      }
      if (device.voip) {
        if (!o.voipTopic) {
          return Promise.resolve({
            ok: false,
            kind: 'rejected',
            reason: `app ${app.name} has no voip_topic`,
          });
        }
        return provider.send({
          deviceToken: device.deviceToken,
          notification,
          topic: o.voipTopic,
          voip: true,
        });
      }
      return provider.send({
        deviceToken: device.deviceToken,
        notification,
        collapseId: COLLAPSE_ID,
        ...(o.topic !== undefined && { topic: o.topic }),
      });
    },
  };
}
