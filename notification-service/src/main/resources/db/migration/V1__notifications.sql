create table notifications (
  id          uuid primary key,
  order_id    uuid         not null,
  kind        varchar(32)  not null,
  message     varchar(1024) not null,
  created_at  timestamp with time zone not null
);
