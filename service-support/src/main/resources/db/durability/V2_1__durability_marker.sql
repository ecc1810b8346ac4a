-- One row that service-support's GroupCommit changes right before each store. H2's CHECKPOINT
-- returns at once when it finds nothing unsaved, even while its background writer is still
-- writing earlier commits to the file; with a change of its own to store, it queues behind that
-- write and returns only once both are in the file. Versioned after the services' own V2, so that
-- a database migrated before this file existed takes it as new.
create table durability_marker (
  id      int     primary key,
  stores  bigint  not null
);
insert into durability_marker (id, stores) values (1, 0);
