-- One row per message sent to a customer about the outcome of an order.
create table notifications (
  id           uuid          primary key,
  order_id     uuid          not null,
  customer_id  varchar(64)   not null,
  kind         varchar(32)   not null,
  message      varchar(1024) not null,
  created_at   timestamp with time zone not null
);
create index notifications_by_order on notifications (order_id);
