-- What a rollback must give back, per instance database: the schema, the row counts of the
-- durable tables (lives and tokens, which the live probe creates and deletes, left out) and a
-- digest of the VOD playlist and file names (the 4.0 HLS rename rewrites them).
SELECT 'schema', "migrationVersion"::text FROM application
UNION ALL SELECT 'users', count(*)::text FROM "user"
UNION ALL SELECT 'accounts', count(*)::text FROM account
UNION ALL SELECT 'channels', count(*)::text FROM "videoChannel"
UNION ALL SELECT 'vods', count(*)::text FROM video WHERE NOT "isLive"
UNION ALL SELECT 'vod_playlists', count(*) || ' ' || md5(coalesce(string_agg("playlistFilename", ',' ORDER BY id), ''))
  FROM "videoStreamingPlaylist" WHERE "videoId" IN (SELECT id FROM video WHERE NOT "isLive")
UNION ALL SELECT 'vod_files', count(*) || ' ' || md5(coalesce(string_agg(filename, ',' ORDER BY id), ''))
  FROM "videoFile" WHERE "videoStreamingPlaylistId" IN
    (SELECT p.id FROM "videoStreamingPlaylist" p JOIN video v ON v.id = p."videoId" WHERE NOT v."isLive");
