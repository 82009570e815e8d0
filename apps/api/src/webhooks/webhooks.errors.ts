import { DomainError, type DomainErrorKind } from '#libs/domain';

export const webhooksErrorKinds = {
  /** No subscription of this id in the tenant (answered as the generic not-found problem it always was). */
  NOT_FOUND: 'not_found',
} as const satisfies Record<string, DomainErrorKind>;

export type WebhooksErrorCode = keyof typeof webhooksErrorKinds;

export class WebhooksError extends DomainError<WebhooksErrorCode> {
  constructor(code: WebhooksErrorCode, message: string) {
    super(code, webhooksErrorKinds[code], message);
  }
}
