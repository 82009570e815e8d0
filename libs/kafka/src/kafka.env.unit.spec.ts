import 'reflect-metadata';
import { BaseEnv, ConfigError, loadConfig } from '#libs/platform';
import { withKafkaEnv } from './kafka.env';

class Env extends withKafkaEnv(BaseEnv) {}
const brokers = { HTTP_PORT: '3000', KAFKA_BROKERS: '127.0.0.1:19092' };

describe('KAFKA_PRODUCER', () => {
  it('is left to the app when unset, and taken when it names a placement', () => {
    expect(loadConfig(Env, brokers).KAFKA_PRODUCER).toBeUndefined();
    expect(loadConfig(Env, { ...brokers, KAFKA_PRODUCER: 'inline' }).KAFKA_PRODUCER).toBe('inline');
    expect(loadConfig(Env, { ...brokers, KAFKA_PRODUCER: 'thread' }).KAFKA_PRODUCER).toBe('thread');
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadConfig(Env, { ...brokers, KAFKA_PRODUCER: 'threads' })).toThrow(ConfigError);
    expect(() => loadConfig(Env, { ...brokers, KAFKA_PRODUCER: 'threads' })).toThrow(/KAFKA_PRODUCER/);
  });
});
