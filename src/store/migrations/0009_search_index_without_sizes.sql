-- Version 9: the search index stops keeping each row's token count (FTS5's `docsize`
-- table, one row per activity). Nothing ranks by relevance (bm25 is not used; search
-- orders by time), and `snippet()` counts the tokens of the few rows it shows when it
-- needs them. Writing a docsize row for every activity was more than half of the search
-- index's cost in a large import (1.17 million rows: 3.6 s against 1.5 s without).
-- The index is created again here; the migration's step in Rust (`fill_search_index` in
-- src/store/mod.rs) fills it from the activities' texts in chunks, reporting progress.
DROP TABLE activity_fts;
CREATE VIRTUAL TABLE activity_fts USING fts5 (text, content = 'activities', content_rowid = 'id', columnsize = 0);
