import { type DynamicModule, Inject, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Logger } from 'pino';
import { KafkaHealthCheck, KafkaModule } from '#libs/kafka';
import { etaConfig, LiveModule } from '#libs/live';
import { AccessTokenSigner, AccessTokenVerifier, HealthModule } from '#libs/platform';
import { RedisHealthCheck, RedisModule, RedisService } from '#libs/redis';
import { DatabaseHealthCheck, DatabaseModule } from '#libs/timescale';
import type { ApiEnv } from './api.env';
import { AUTH_OPTIONS, BOOTSTRAP_TOKEN, TRACKING_OPTIONS, WEBHOOK_OPTIONS } from './api.options';
import { AUTH_ATTEMPTS_OPTIONS, AuthAttempts, authAttemptsOptions } from './auth/auth-attempts';
import { accessTokenKeys, JWKS } from './auth/access-token-keys';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthRepository } from './auth/auth.repository';
import { AuthService } from './auth/auth.service';
import { JwksController } from './auth/jwks.controller';
import { PostgresAuthRepository } from './auth/postgres-auth.repository';
import { IdempotencyInterceptor } from './common/idempotency.interceptor';
import { CallerThrottlerGuard, RedisThrottlerStorage } from './common/rate-limit';
import { DeviceAuthority } from './devices/device-authority';
import { DevicesController } from './devices/devices.controller';
import { DevicesRepository } from './devices/devices.repository';
import { DevicesService } from './devices/devices.service';
import { PostgresDevicesRepository } from './devices/postgres-devices.repository';
import { EventStoreModule } from '#libs/event-store';
import { JobDetailService } from './jobs/job-detail.service';
import { JobsController } from './jobs/jobs.controller';
import { JobsRepository } from './jobs/jobs.repository';
import { JobsService } from './jobs/jobs.service';
import { PostgresJobsRepository } from './jobs/postgres-jobs.repository';
import { CustomersController } from './places/customers.controller';
import { GeofencesController } from './places/geofences.controller';
import { SitesController } from './places/sites.controller';
import { PlacesRepository } from './places/places.repository';
import { PlacesService } from './places/places.service';
import { PostgresPlacesRepository } from './places/postgres-places.repository';
import { TechniciansController } from './technicians/technicians.controller';
import { PostgresTechniciansRepository } from './technicians/postgres-technicians.repository';
import { TechniciansRepository } from './technicians/technicians.repository';
import { TechniciansService } from './technicians/technicians.service';
import { TenantsController } from './tenants/tenants.controller';
import { PostgresWebhooksRepository } from './webhooks/postgres-webhooks.repository';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service';
import { WebhookEventsController } from './webhooks/webhook-events.controller';
import { pushUrlPolicyFromEnv, webhookUrlPolicyFromEnv, WebhookUrlPolicy } from './webhooks/webhook-url-policy';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksRepository } from './webhooks/webhooks.repository';
import { WebhooksService } from './webhooks/webhooks.service';
import { PostgresTenantsRepository } from './tenants/postgres-tenants.repository';
import { TenantsRepository } from './tenants/tenants.repository';
import { TenantsService } from './tenants/tenants.service';
import { TrackingController } from './tracking/tracking.controller';
import { TrackingService } from './tracking/tracking.service';
import { TrackingRepository } from './tracking/tracking.repository';
import { PostgresTrackingRepository } from './tracking/postgres-tracking.repository';
import { BrowserLocationsPublisher } from './tracking/browser-locations.publisher';
import { proofBody } from './proofs/proof-body.middleware';
import { ProofStore } from './proofs/proof-store';
import { proofStoreFromEnv } from './proofs/proof-store.factory';
import { ProofsController } from './proofs/proofs.controller';
import { ProofsService } from './proofs/proofs.service';
import { WebModule } from './web/web.module';
import { PostgresPushRepository } from './push/postgres-push.repository';
import { PushController } from './push/push.controller';
import { PushEventsController } from './push/push-events.controller';
import { PushNotifier, type PushOptions } from './push/push-notifier.service';
import { PushRepository } from './push/push.repository';
import { PushService } from './push/push.service';
import { PUSH_OPTIONS, PUSH_POLICY, PUSH_VAPID } from './push/push.tokens';
import { vapidKeysFromEnv } from './push/vapid-keys';

const PROOF_MAX_BYTES = Symbol('PROOF_MAX_BYTES');

@Module({})
export class AppModule implements NestModule {
  constructor(@Inject(PROOF_MAX_BYTES) private readonly proofMaxBytes: number) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(proofBody(this.proofMaxBytes)).forRoutes({ path: 'jobs/:jobId/proofs', method: RequestMethod.POST });
  }

  static forRoot(config: ApiEnv, logger: Logger): DynamicModule {
    const tokens = accessTokenKeys(config);
    const vapid = vapidKeysFromEnv(config);
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forEnv(config, logger, true, { statementTimeoutMs: 10_000 }),
        KafkaModule.forEnv(config, 'api', logger),
        RedisModule.forEnv(config, logger),
        LiveModule.forEnv(config),
        HealthModule.forRoot([DatabaseHealthCheck, KafkaHealthCheck, RedisHealthCheck]),
        ThrottlerModule.forRootAsync({
          inject: [RedisService],
          useFactory: (redis: RedisService) => ({
            throttlers: [{ ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
            storage: new RedisThrottlerStorage(redis),
          }),
        }),
        WebModule.forEnv(config, logger),
        EventStoreModule.forRoot({ logger, pollMs: 250, batchSize: 500, enabled: config.OUTBOX_RELAY === 1 }),
      ],
      controllers: [AuthController, JwksController, TenantsController, JobsController, TechniciansController, DevicesController, WebhooksController, CustomersController, SitesController, GeofencesController, TrackingController, WebhookEventsController, ProofsController, PushController,
        // without VAPID keys nothing is sent: no consumer group reads (and decodes) every event for nothing
        ...(vapid ? [PushEventsController] : []),
      ],
      providers: [
        // Order matters: the caller is known before it is counted.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: CallerThrottlerGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: AUTH_OPTIONS, useValue: { accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS, refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS } },
        { provide: BOOTSTRAP_TOKEN, useValue: config.API_BOOTSTRAP_TOKEN },
        { provide: AccessTokenSigner, useValue: tokens.signer },
        { provide: AccessTokenVerifier, useValue: tokens.verifier },
        { provide: JWKS, useValue: tokens.jwks },
        AuthService,
        AuthAttempts,
        { provide: AUTH_ATTEMPTS_OPTIONS, useValue: authAttemptsOptions(config, logger) },
        { provide: AuthRepository, useClass: PostgresAuthRepository },
        TenantsService,
        { provide: TenantsRepository, useClass: PostgresTenantsRepository },
        JobsService,
        JobDetailService,
        ProofsService,
        { provide: ProofStore, useValue: proofStoreFromEnv(config) },
        { provide: PROOF_MAX_BYTES, useValue: config.PROOF_MAX_BYTES },
        { provide: JobsRepository, useClass: PostgresJobsRepository },
        TechniciansService,
        { provide: TechniciansRepository, useClass: PostgresTechniciansRepository },
        DevicesService,
        { provide: DevicesRepository, useClass: PostgresDevicesRepository },
        { provide: DeviceAuthority, useValue: new DeviceAuthority(config.DEVICE_CA_CERT_FILE && config.DEVICE_CA_KEY_FILE ? { cert: config.DEVICE_CA_CERT_FILE, key: config.DEVICE_CA_KEY_FILE } : undefined, config.DEVICE_CERT_VALID_DAYS) },
        WebhooksService,
        { provide: WebhooksRepository, useClass: PostgresWebhooksRepository },
        PlacesService,
        { provide: PlacesRepository, useClass: PostgresPlacesRepository },
        TrackingService,
        { provide: TrackingRepository, useClass: PostgresTrackingRepository },
        BrowserLocationsPublisher,
        { provide: TRACKING_OPTIONS, useValue: { eta: etaConfig(config) } },
        { provide: WebhookUrlPolicy, useValue: webhookUrlPolicyFromEnv(config) },
        WebhookDeliveryService,
        PushService,
        PushNotifier,
        { provide: PushRepository, useClass: PostgresPushRepository },
        { provide: PUSH_VAPID, useValue: vapid },
        { provide: PUSH_POLICY, useValue: pushUrlPolicyFromEnv(config) },
        {
          provide: PUSH_OPTIONS,
          useValue: { logger, timeoutMs: 10_000, maxAttempts: 4, retryBaseMs: 500, concurrency: 20, maxAgeMs: 15 * 60_000 } satisfies PushOptions,
        },
        {
          provide: WEBHOOK_OPTIONS,
          useValue: {
            logger,
            timeoutMs: config.WEBHOOK_TIMEOUT_MS,
            retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
            maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
            concurrency: 50,
            pollMs: 250,
            enabled: true,
          },
        },
      ],
    };
  }
}
