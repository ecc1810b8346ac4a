create table orders (
  id           uuid primary key,
  customer_id  varchar(64)  not null,
  status       varchar(16)  not null,
  reason       varchar(255),
  total        decimal(19, 2) not null,
  created_at   timestamp with time zone not null,
  updated_at   timestamp with time zone not null
);
