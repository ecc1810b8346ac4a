-- The price list: order-service prices an order when it is placed, so OrderPlaced carries the
-- total that payment-service charges. Stock lives in inventory-service.
create table products (
  sku    varchar(64) primary key,
  name   varchar(255)   not null,
  price  decimal(19, 2) not null check (price >= 0)
);

create table orders (
  id               uuid primary key,
  customer_id      varchar(64)    not null,
  -- PENDING -> PAID -> CONFIRMED, or -> CANCELLED with a reason.
  status           varchar(16)    not null,
  reason           varchar(1024),
  total            decimal(19, 2) not null,
  -- The client's Idempotency-Key: the same key always answers with the same order.
  idempotency_key  varchar(128)   unique,
  created_at       timestamp with time zone not null,
  updated_at       timestamp with time zone not null
);
create index orders_by_customer on orders (customer_id, created_at);
create index orders_by_status on orders (status, created_at);

create table order_items (
  order_id    uuid           not null references orders (id),
  line        int            not null,
  sku         varchar(64)    not null,
  quantity    int            not null check (quantity > 0),
  unit_price  decimal(19, 2) not null,
  primary key (order_id, line)
);

-- Demo price list (see README); the same SKUs are stocked by inventory-service.
insert into products (sku, name, price) values
  ('BOOK-KAFKA', 'Kafka: The Definitive Guide', 39.90),
  ('MUG-KAFKA', 'Kafka mug', 12.50),
  ('TSHIRT-KAFKA', 'Kafka T-shirt', 19.90),
  ('STICKER-PACK', 'Sticker pack', 2.50),
  ('POSTER-LIMITED', 'Limited poster', 25.00),
  ('MUG-SOLDOUT', 'Sold-out mug', 9.90);
