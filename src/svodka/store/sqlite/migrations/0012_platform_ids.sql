-- 0012_platform_ids: a channel's id on its platform is text of that platform's own making (a Telegram
-- channel id, a VK id, a feed's URL …), unique per platform: channels.tg_id becomes channels.ext_id. A
-- forward names its origin by platform and external id: posts.fwd_tg_id becomes (fwd_platform, fwd_ext_id).
-- Telegram ids keep their value, written as the decimal text of the bare positive id.

ALTER TABLE channels ADD COLUMN ext_id TEXT;
UPDATE channels SET ext_id = CAST(tg_id AS TEXT) WHERE tg_id IS NOT NULL;
DROP INDEX channels_tg_id;
ALTER TABLE channels DROP COLUMN tg_id;
CREATE UNIQUE INDEX channels_ext_id ON channels(platform, ext_id) WHERE ext_id IS NOT NULL;

ALTER TABLE posts ADD COLUMN fwd_platform TEXT;
ALTER TABLE posts ADD COLUMN fwd_ext_id TEXT;
UPDATE posts SET fwd_platform = 'telegram', fwd_ext_id = CAST(fwd_tg_id AS TEXT) WHERE fwd_tg_id IS NOT NULL;
-- an origin known by handle or name only was on the forwarding channel's platform
UPDATE posts SET fwd_platform = (SELECT c.platform FROM channels c WHERE c.id = posts.channel_id)
 WHERE fwd_platform IS NULL AND (fwd_handle IS NOT NULL OR fwd_name IS NOT NULL);
DROP INDEX posts_forward;
ALTER TABLE posts DROP COLUMN fwd_tg_id;
CREATE INDEX posts_forward ON posts(fwd_platform, fwd_ext_id, fwd_message_id) WHERE fwd_ext_id IS NOT NULL;
