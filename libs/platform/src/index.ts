import 'reflect-metadata'; // class-transformer and Nest read decorator metadata through it
export { BaseEnv, type Constructor, LOG_LEVELS, type LogLevel } from './config/base.env';
export { EnvConnectionUrl, type EnvFieldOptions, EnvFlag, EnvInt, EnvNumber, EnvOneOf, EnvPort, type EnvRange, EnvString, type EnvStringOptions, EnvUrl } from './config/env-decorators';
export { CONFIG_ERROR_EXIT_CODE, ConfigError, configKeys, type EnvClass, loadConfig } from './config/load-config';
export { createLogger, PinoLoggerService } from './logging/pino-logger.service';
export { HealthModule } from './health/health.module';
export { READINESS_TIMEOUT_MS, type ReadinessCheck } from './health/readiness-check';
export { type AppDefinition, type RunningApp, runApp, startApp } from './bootstrap/bootstrap-app';
export { hashGeneratedSecret, hashSecret, newSecret, verifySecret } from './security/secret-hash';
export { PUBLIC_ROUTE, PublicRoute } from './http/public-route';
export { type AccessTokenClaims, accessTokenOf, hmacKey, type Role, ROLES, type VerifiedCaller, verifyAccessToken } from './security/access-token';
export { Clock, ClockModule, clockFromEnv, ManualClock, ShiftedClock, SystemClock } from './time/clock';
export { PROBLEM_CONTENT_TYPE, type Problem, ProblemError, ProblemFilter, type ProblemMapper, type ProblemReply, problem, problemType, problemTypeOf, titleOf, toProblem } from './http/problem';
export { API_CSP, applyHttpSecurity, type CspDirectives, type CspSource, type HttpSecurityConfig, isOrigin, originsOf, pageSecurity } from './http/http-security';
export { readSha256Sums, sha256File } from './security/checksums';
export { LATENCY_BUCKETS, Metrics } from './metrics/metrics';
export { MetricsModule } from './metrics/metrics.module';
export { activeTraceIds, contextOf, inSpan, markFailed, newTraceparent, recordSpan, startTracing, stopTracing, TRACEPARENT, traceparentOf, tracesExported } from './tracing/tracing';
