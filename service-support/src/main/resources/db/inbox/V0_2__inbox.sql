-- The inbox of processed events (service-support's Inbox): one row per event this service has
-- applied, written in the same transaction as the effect, so a redelivered event is recognised
-- and skipped. It also records where the event was read from.
create table inbox (
  event_id         uuid          primary key,
  event_type       varchar(64)   not null,
  order_id         varchar(64)   not null,
  topic            varchar(249)  not null,
  kafka_partition  int           not null,
  kafka_offset     bigint        not null,
  occurred_at      timestamp with time zone not null,
  processed_at     timestamp with time zone not null
);
create index inbox_by_order on inbox (order_id);
