create table stock_items (
  sku        varchar(64) primary key,
  name       varchar(255) not null,
  -- Stock never goes negative: a reservation that does not fit is rejected whole, and this
  -- check is the last line of defence.
  available  int          not null check (available >= 0)
);

-- What each confirmed order took from the shelves, one row per order and SKU.
create table reservations (
  order_id    uuid        not null,
  sku         varchar(64) not null references stock_items (sku),
  quantity    int         not null check (quantity > 0),
  created_at  timestamp with time zone not null,
  primary key (order_id, sku)
);

-- Demo stock (see README). MUG-SOLDOUT is out of stock, so any order with it is rejected and
-- refunded; POSTER-LIMITED runs out after a few orders. Prices live in order-service.
insert into stock_items (sku, name, available) values
  ('BOOK-KAFKA', 'Kafka: The Definitive Guide', 1000),
  ('MUG-KAFKA', 'Kafka mug', 1000),
  ('TSHIRT-KAFKA', 'Kafka T-shirt', 500),
  ('STICKER-PACK', 'Sticker pack', 100000),
  ('POSTER-LIMITED', 'Limited poster', 5),
  ('MUG-SOLDOUT', 'Sold-out mug', 0);
