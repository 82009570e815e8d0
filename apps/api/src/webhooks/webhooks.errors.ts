import { DomainError } from '#libs/domain';

export type WebhooksErrorCode = 'NOT_FOUND' | 'WEBHOOK_URL_NOT_HTTPS' | 'WEBHOOK_URL_NOT_PUBLIC' | 'WEBHOOK_URL_UNRESOLVABLE';

/** The webhooks module's refusals (code and type as the API answered them before they were domain errors). */
export class WebhooksError extends DomainError<WebhooksErrorCode> {
  static notFound(subscriptionId: string): WebhooksError {
    return new WebhooksError('NOT_FOUND', 'not_found', `no webhook ${subscriptionId}`);
  }

  /** `what`: the kind of URL, as the refusal names it (the rules are shared with push endpoints). */
  static notHttps(url: URL, what = 'webhook'): WebhooksError {
    return new WebhooksError('WEBHOOK_URL_NOT_HTTPS', 'validation', `${what} URLs must use https (got ${url.protocol.slice(0, -1)}): register your endpoint's https:// address`);
  }

  /** `why`: the address and its range, or the host name that is local by definition. */
  static notPublic(host: string, why: string, what = 'webhook'): WebhooksError {
    return new WebhooksError(
      'WEBHOOK_URL_NOT_PUBLIC',
      'unprocessable',
      `${what} host ${host} is not a public internet address (${why}): ${what}s are sent only to public hosts; register a URL whose host name resolves only to public addresses`,
    );
  }

  static unresolvable(host: string, reason: string, what = 'webhook'): WebhooksError {
    return new WebhooksError('WEBHOOK_URL_UNRESOLVABLE', 'unprocessable', `${what} host ${host} has no address (${reason}): register a URL whose host name resolves in public DNS`);
  }
}

/** A refusal of the URL itself (as opposed to a missing subscription): the address rules said no. */
export const isUrlRefusal = (error: unknown): error is WebhooksError =>
  error instanceof WebhooksError && (error.code === 'WEBHOOK_URL_NOT_HTTPS' || error.code === 'WEBHOOK_URL_NOT_PUBLIC');
