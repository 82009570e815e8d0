import { DomainError } from '#libs/domain';

export type PushErrorCode = 'NOT_FOUND' | 'PUSH_NOT_CONFIGURED' | 'PUSH_ENDPOINT_REFUSED';

export class PushError extends DomainError<PushErrorCode> {
  static notFound(subscriptionId: string): PushError {
    return new PushError('NOT_FOUND', 'not_found', `no push subscription ${subscriptionId} of yours`);
  }

  static notConfigured(): PushError {
    return new PushError('PUSH_NOT_CONFIGURED', 'not_found', 'push notifications are not configured on this server (VAPID_PRIVATE_KEY_FILE is unset)');
  }

  /** The endpoint broke the outbound address rules (https, public addresses): `reason` is the rule's own words. */
  static endpointRefused(reason: string): PushError {
    return new PushError('PUSH_ENDPOINT_REFUSED', 'unprocessable', reason);
  }
}
