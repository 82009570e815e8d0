import { HealthCheckLogger } from './health-check.logger';

// A readiness probe failing every second logs once a minute, and at once when the reason changes.

class TestLogger extends HealthCheckLogger {
  at = 0;
  readonly logged: string[] = [];
  protected override now(): number {
    return this.at;
  }
  protected override emit(message: unknown): void {
    this.logged.push(String(message));
  }
}

it('logs the same failure once a minute, a different one at once', () => {
  const logger = new TestLogger();
  const fail = (reason: string, responseTime: number) => logger.error('Health Check has failed!', JSON.stringify({ kafka: { status: 'down', reason }, responseTimeMs: responseTime }));
  fail('broker away', 3);
  for (let s = 1; s < 60; s++) {
    logger.at = s * 1000;
    fail('broker away', s); // response times differ every time: still the same failure
  }
  logger.at = 60_000;
  fail('broker away', 9);
  logger.at = 60_500;
  fail('redis away', 2);
  expect(logger.logged).toHaveLength(3);
});
