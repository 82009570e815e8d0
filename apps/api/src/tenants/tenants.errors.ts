import { DomainError } from '#libs/domain';

export type TenantsErrorCode = 'NOT_FOUND' | 'EMAIL_TAKEN';

/** The tenants module's refusals (codes and types as the API answered them before they were domain errors). */
export class TenantsError extends DomainError<TenantsErrorCode> {
  static apiKeyNotFound(keyId: string): TenantsError {
    return new TenantsError('NOT_FOUND', 'not_found', `no API key ${keyId}`);
  }

  /** Emails are unique across tenants: one login, one user. */
  static emailTaken(email: string): TenantsError {
    return new TenantsError('EMAIL_TAKEN', 'conflict', `a user with email ${email} already exists`);
  }
}
