-- A story a digest folded into another item (one event the story level split: digest.fold) is kept as
-- shown, under the item it was folded into, so the next digest of the kind does not show it as new.
ALTER TABLE digest_items ADD COLUMN folded_into INTEGER;
