-- Optimistic-locking version of each orders row (@Version in the entity). Its id is assigned when
-- the object is created, so a null version is what tells Spring Data that a row is new and may be
-- inserted without a select first.
alter table orders add column version bigint default 0 not null;
