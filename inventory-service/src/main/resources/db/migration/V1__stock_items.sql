create table stock_items (
  sku        varchar(64) primary key,
  name       varchar(255)   not null,
  price      decimal(19, 2) not null,
  available  int            not null check (available >= 0)
);
