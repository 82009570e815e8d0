// Tests against the real stack wait on real brokers (consumer-group joins, topic creation).
jest.setTimeout(60_000);
