// The components of the local stack, in start order. MQTT is embedded in apps/ingest (aedes), so it is
// not a process here. TURN (coturn) relays calls for browsers that cannot reach the SFU directly.
import { kafkaComponent } from './kafka.component';
import { redisComponent } from './redis.component';
import { timescaleComponent } from './timescale.component';
import { turnComponent } from './turn.component';
import type { StackComponent } from './stack-component';

export const stackComponents: StackComponent[] = [redisComponent, timescaleComponent, kafkaComponent, turnComponent];
