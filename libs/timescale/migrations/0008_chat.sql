-- Job chat threads, written by the projector from chat.message_posted (idempotent by message id).
-- The feed carries the recent ones live; this is the thread's history (GET /jobs/:id/chat).
CREATE TABLE chat_messages (
  tenant_id text NOT NULL,
  job_id text NOT NULL,
  message_id text NOT NULL,
  author_id text NOT NULL,
  author_role text NOT NULL,
  text text NOT NULL,
  posted_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, message_id)
);
CREATE INDEX chat_messages_thread ON chat_messages (tenant_id, job_id, posted_at, message_id);
