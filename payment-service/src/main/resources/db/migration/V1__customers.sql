create table customers (
  id       varchar(64) primary key,
  name     varchar(255)   not null,
  balance  decimal(19, 2) not null check (balance >= 0)
);
