-- 0037_post_kind: what a post is to its story, judged once by the ads stage (svodka.pipeline.ads.post_kind):
-- 'report', or 'programme' (a channel's plug for its own podcast or video episode: it stays in its story but
-- neither ranks nor heads it). Rows analysed before this migration keep NULL until `svodka process` judges them
-- from their stored normalised text (svodka.process.kinds), found through the partial index below, which is
-- empty once they are.
ALTER TABLE post_analysis ADD COLUMN kind TEXT;
CREATE INDEX post_analysis_unjudged ON post_analysis (post_id) WHERE kind IS NULL;
