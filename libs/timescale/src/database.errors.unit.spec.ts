import { asUnavailable, DatabaseUnavailableError, isConnectionError } from './database.errors';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

it('tells a lost database from a bad statement', () => {
  for (const gone of [pgError('57P01', 'terminating connection due to administrator command'), pgError('25006', 'cannot execute INSERT in a read-only transaction'), pgError('ECONNREFUSED'), pgError('53300'), new Error('Connection terminated unexpectedly'), new Error('timeout exceeded when trying to connect')]) {
    expect(isConnectionError(gone)).toBe(true);
    expect(asUnavailable(gone)).toBeInstanceOf(DatabaseUnavailableError);
  }
  for (const bad of [pgError('23505', 'duplicate key'), pgError('42P01', 'relation does not exist'), new Error('boom'), 'not an error']) {
    expect(isConnectionError(bad)).toBe(false);
    expect(asUnavailable(bad)).toBe(bad);
  }
});
