-- When a file was stored (ms), so that the start-up sweep leaves alone a file that another
-- server has just stored and is about to record.
ALTER TABLE material_blobs ADD COLUMN stored_ms BIGINT NOT NULL DEFAULT 0;
