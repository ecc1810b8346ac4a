-- Where a service that shows its events (order-service's timeline) keeps those whose outbox or
-- inbox rows were pruned (Pruner, EventHistory): position and type, no payload. Versioned after
-- the services' own V1, so that a database migrated before this file existed takes it as new.
create table event_history (
  event_id         uuid          not null,
  direction        varchar(16)   not null,
  event_type       varchar(64)   not null,
  order_id         varchar(64)   not null,
  topic            varchar(249)  not null,
  kafka_partition  int           not null,
  kafka_offset     bigint        not null,
  occurred_at      timestamp with time zone not null,
  primary key (event_id, direction)
);
create index event_history_by_order on event_history (order_id);
