create table customers (
  id       varchar(64) primary key,
  name     varchar(255)   not null,
  -- A charge never overdraws an account; the check is the last line of defence.
  balance  decimal(19, 2) not null check (balance >= 0)
);

-- One row per order this service was asked to charge: CHARGED, DECLINED or REFUNDED.
create table payments (
  id           uuid primary key,
  order_id     uuid           not null unique,
  customer_id  varchar(64)    not null,
  amount       decimal(19, 2) not null check (amount >= 0),
  status       varchar(16)    not null,
  reason       varchar(255),
  created_at   timestamp with time zone not null,
  updated_at   timestamp with time zone not null
);
create index payments_by_customer on payments (customer_id);

-- Demo customers (see README). bob has nothing, so every order of his is declined.
insert into customers (id, name, balance) values
  ('alice', 'Alice Archer', 10000.00),
  ('carol', 'Carol Chen', 200.00),
  ('dave', 'Dave Diaz', 1000000.00),
  ('bob', 'Bob Broke', 0.00);
