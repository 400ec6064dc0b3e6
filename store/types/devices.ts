// Store types, devices: the APNs and FCM devices pushes are delivered to.
import type { ProviderName } from '../../lib/providers.js';

/** Which of an APNs app's two services a device's build talks to. */
export type Environment = 'production' | 'sandbox';

/** How a device is reached: the app it belongs to and, for APNs, the environment and kind. */
export interface DeviceRoute {
  /** The `[[apps]]` name; absent on devices stored before apps existed (the provider's default app). */
  app?: string;
  /** For an APNs app serving both environments: the one this device's build uses. */
  environment?: Environment;
  /** A PushKit (VoIP) token: its pushes are calls, sent with the app's VoIP topic. */
  voip?: boolean;
}

export interface DeviceInput extends DeviceRoute {
  /** Account id. */
  owner: string;
  provider: ProviderName;
  /** The app's own identifier for the device; unique per owner and provider. */
  deviceId: string;
  /** The APNs or FCM token. Never logged. */
  deviceToken: string;
  name?: string;
}

export interface Device extends DeviceRoute {
  id: string;
  owner: string;
  provider: ProviderName;
  deviceId: string;
  deviceToken: string;
  name?: string;
  active: boolean;
  createdAt: number;
  lastSuccessAt?: number;
  lastErrorAt?: number;
  lastError?: string;
  successCount: number;
  errorCount: number;
}

export interface DeviceStore {
  /**
   * Adds the device, or updates token, name and route of the same owner/provider/deviceId and
   * reactivates it.
   */
  upsert(device: DeviceInput, now: number): Promise<Device>;
  get(id: string): Promise<Device | undefined>;
  /** The owner's device with this provider and deviceId. */
  find(owner: string, provider: ProviderName, deviceId: string): Promise<Device | undefined>;
  listByOwner(owner: string, provider?: ProviderName): Promise<Device[]>;
  /** How many devices the owner has, active or not (for its quota): an indexed count. */
  countByOwner(owner: string): Promise<number>;
  /** Changes name, token or active flag of an owner's device; undefined when not theirs. */
  update(
    id: string,
    owner: string,
    changes: { name?: string; deviceToken?: string; active?: boolean },
  ): Promise<Device | undefined>;
  /**
   * Removes a device with its device-scoped tokens, the registrations that target it and its
   * jobs; undefined when there was none.
   */
  remove(id: string): Promise<Device | undefined>;
  recordSuccess(id: string, now: number): Promise<void>;
  /** Records a failure; `dead` retires the device so no push goes to it again. */
  recordError(id: string, reason: string, now: number, dead: boolean): Promise<void>;
}
