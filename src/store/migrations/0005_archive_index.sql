-- The archive browser reads a channel's lines in order, from any point: one index makes
-- every page a range scan instead of a scan of the whole group.
CREATE INDEX activities_channel_at ON activities (channel_id, at, id);
