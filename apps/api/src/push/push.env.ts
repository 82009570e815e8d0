import { ValidateIf } from 'class-validator';
import { type Constructor, EnvFile, EnvFlag, EnvString } from '#libs/platform';
import { EnvAllowedHosts } from '../webhooks/allowed-hosts.env';

/** Web Push: the VAPID key that signs every push request, and where push endpoints may be. */
export function withPushEnv<Base extends Constructor>(base: Base) {
  class PushEnv extends base {
    /** The VAPID private key (PEM, EC P-256); its public half is GET /push/vapid-public-key. Unset: push is off (the routes answer 404). */
    @EnvFile()
    VAPID_PRIVATE_KEY_FILE?: string;

    /** Who the push services may contact about our traffic: a mailto: or https: URL (the VAPID JWT's `sub`). */
    @ValidateIf((env: PushEnv) => env.VAPID_PRIVATE_KEY_FILE !== undefined)
    @EnvString({ required: true, pattern: /^(mailto:\S+@\S+|https:\/\/\S+)$/, message: 'VAPID_SUBJECT must be a mailto: or https: URL' })
    VAPID_SUBJECT?: string;

    /** The consumer group that sends push messages: one per deployment (every API instance joins it). */
    @EnvString({ pattern: /^[A-Za-z0-9._-]{1,200}$/, message: 'PUSH_CONSUMER_GROUP must be a Kafka group id (letters, digits, . _ -)' })
    PUSH_CONSUMER_GROUP: string = 'fieldline-api-push';

    /** Development and tests: push endpoint hosts allowed despite the public-address rules (as WEBHOOK_ALLOWED_HOSTS). */
    @EnvAllowedHosts()
    PUSH_ALLOWED_HOSTS?: string;

    /** 1: plain http is allowed to PUSH_ALLOWED_HOSTS (only to them). */
    @EnvFlag()
    PUSH_ALLOW_HTTP: number = 0;
  }
  return PushEnv;
}
