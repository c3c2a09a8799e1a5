-- 0012_platform_ids: a channel's id on its platform is text (channels.ext_id); a forward names its origin
-- by platform and external id (posts.fwd_platform, posts.fwd_ext_id).
ALTER TABLE channels ADD COLUMN ext_id TEXT;
UPDATE channels SET ext_id = tg_id::text WHERE tg_id IS NOT NULL;
DROP INDEX channels_tg_id;
ALTER TABLE channels DROP COLUMN tg_id;
CREATE UNIQUE INDEX channels_ext_id ON channels(platform, ext_id) WHERE ext_id IS NOT NULL;

ALTER TABLE posts ADD COLUMN fwd_platform TEXT;
ALTER TABLE posts ADD COLUMN fwd_ext_id TEXT;
UPDATE posts SET fwd_platform = 'telegram', fwd_ext_id = fwd_tg_id::text WHERE fwd_tg_id IS NOT NULL;
UPDATE posts SET fwd_platform = c.platform FROM channels c
 WHERE c.id = posts.channel_id AND posts.fwd_platform IS NULL
   AND (posts.fwd_handle IS NOT NULL OR posts.fwd_name IS NOT NULL);
DROP INDEX posts_forward;
ALTER TABLE posts DROP COLUMN fwd_tg_id;
CREATE INDEX posts_forward ON posts(fwd_platform, fwd_ext_id, fwd_message_id) WHERE fwd_ext_id IS NOT NULL;
