import { type ICustomPartitioner, type Message, Partitioners } from 'kafkajs';

// The Java client's murmur2 partitioner (kafkajs' default since 2.0), named so it never changes under
// us, which also notes the partition it chose for each message: BatchingProducer checks the brokers'
// answer against it (see there: kafkajs can resolve a send without writing some of its partitions).
const chosen = new WeakMap<Message, number>();

export const recordingPartitioner: ICustomPartitioner = () => {
  const partition = Partitioners.DefaultPartitioner();
  return (args) => {
    const p = partition(args);
    chosen.set(args.message, p);
    return p;
  };
};

/** The partition the last attempt to send `message` chose; undefined when another partitioner ran. */
export const chosenPartition = (message: Message): number | undefined => chosen.get(message);
