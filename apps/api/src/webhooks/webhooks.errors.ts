import { DomainError } from '#libs/domain';

export type WebhooksErrorCode = 'NOT_FOUND';

/** The webhooks module's refusals (code and type as the API answered them before they were domain errors). */
export class WebhooksError extends DomainError<WebhooksErrorCode> {
  static notFound(subscriptionId: string): WebhooksError {
    return new WebhooksError('NOT_FOUND', 'not_found', `no webhook ${subscriptionId}`);
  }
}
