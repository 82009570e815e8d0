import './quiet-negative-timeout';
export { BatchingProducer, type BatchingProducerOptions, KafkaBackpressureError, type OutgoingRecord } from './batching-producer';
export { brokerList, withKafkaEnv } from './kafka.env';
export { KafkaHealthCheck } from './kafka.health';
export { KafkaModule } from './kafka.module';
export { KAFKA_OPTIONS, type KafkaOptions, KafkaService, type TopicSpec } from './kafka.service';
export { KafkaBatchContext, type KafkaEventsExtras, KafkaEventsServer, type KafkaEventsServerOptions, type KafkaEventsStats, RethrowRpcErrors, startKafkaEventHandlers } from './kafka-events.server';
