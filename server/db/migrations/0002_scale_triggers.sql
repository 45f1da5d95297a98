-- Kept state and counts (issue 15): images.state mirrors each image's annotation, and `counters` holds the
-- counts every page shows, so no request counts or anti-joins a million rows. Triggers keep both exact
-- whichever code path writes (annotations, import, class delete, reset). drizzle's schema cannot express
-- triggers: this is a custom drizzle-kit migration (`drizzle-kit generate --custom`).
UPDATE images SET state = (SELECT CASE a.kind WHEN 'label' THEN 1 WHEN 'skip' THEN 2 ELSE 3 END FROM annotations a WHERE a.image_id = images.id)
  WHERE id IN (SELECT image_id FROM annotations);
--> statement-breakpoint
DELETE FROM counters;
--> statement-breakpoint
INSERT INTO counters (key, n) SELECT 'images', count(*) FROM images;
--> statement-breakpoint
INSERT INTO counters (key, n) SELECT 'labelled', count(*) FROM annotations WHERE kind != 'skip';
--> statement-breakpoint
INSERT INTO counters (key, n) SELECT 'skipped', count(*) FROM annotations WHERE kind = 'skip';
--> statement-breakpoint
INSERT INTO counters (key, n) SELECT 'predictions', count(*) FROM predictions;
--> statement-breakpoint
INSERT INTO counters (key, n) SELECT 'class:' || class_id, count(*) FROM annotations WHERE kind = 'label' AND class_id IS NOT NULL GROUP BY class_id;
--> statement-breakpoint
INSERT INTO counters (key, n) SELECT 'pred:' || class_id, count(*) FROM predictions WHERE class_id IS NOT NULL GROUP BY class_id;
--> statement-breakpoint
INSERT INTO counters (key, n) SELECT 'annotator:' || annotator, count(*) FROM annotations GROUP BY annotator;
--> statement-breakpoint
INSERT INTO counters (key, n) SELECT 'live_n', count(*) FROM events WHERE type IN ('set', 'accept') AND class_id IS NOT NULL AND predicted_class_id IS NOT NULL;
--> statement-breakpoint
INSERT INTO counters (key, n) SELECT 'live_correct', count(*) FROM events WHERE type IN ('set', 'accept') AND class_id IS NOT NULL AND predicted_class_id = class_id;
--> statement-breakpoint
CREATE TRIGGER images_count_ins AFTER INSERT ON images BEGIN
  INSERT INTO counters (key, n) VALUES ('images', 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER images_count_del AFTER DELETE ON images BEGIN
  UPDATE counters SET n = n - 1 WHERE key = 'images';
END;
--> statement-breakpoint
CREATE TRIGGER annotations_ins AFTER INSERT ON annotations BEGIN
  UPDATE images SET state = CASE new.kind WHEN 'label' THEN 1 WHEN 'skip' THEN 2 ELSE 3 END WHERE id = new.image_id;
  INSERT INTO counters (key, n) VALUES (CASE new.kind WHEN 'skip' THEN 'skipped' ELSE 'labelled' END, 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
  INSERT INTO counters (key, n) SELECT 'class:' || new.class_id, 1 WHERE new.kind = 'label' AND new.class_id IS NOT NULL ON CONFLICT(key) DO UPDATE SET n = n + 1;
  INSERT INTO counters (key, n) VALUES ('annotator:' || new.annotator, 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER annotations_del AFTER DELETE ON annotations BEGIN
  UPDATE images SET state = 0 WHERE id = old.image_id;
  UPDATE counters SET n = n - 1 WHERE key = CASE old.kind WHEN 'skip' THEN 'skipped' ELSE 'labelled' END;
  UPDATE counters SET n = n - 1 WHERE old.kind = 'label' AND key = 'class:' || old.class_id;
  UPDATE counters SET n = n - 1 WHERE key = 'annotator:' || old.annotator;
END;
--> statement-breakpoint
CREATE TRIGGER annotations_upd AFTER UPDATE OF kind, class_id, annotator ON annotations BEGIN
  UPDATE counters SET n = n - 1 WHERE key = CASE old.kind WHEN 'skip' THEN 'skipped' ELSE 'labelled' END;
  UPDATE counters SET n = n - 1 WHERE old.kind = 'label' AND key = 'class:' || old.class_id;
  UPDATE counters SET n = n - 1 WHERE key = 'annotator:' || old.annotator;
  UPDATE images SET state = CASE new.kind WHEN 'label' THEN 1 WHEN 'skip' THEN 2 ELSE 3 END WHERE id = new.image_id;
  INSERT INTO counters (key, n) VALUES (CASE new.kind WHEN 'skip' THEN 'skipped' ELSE 'labelled' END, 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
  INSERT INTO counters (key, n) SELECT 'class:' || new.class_id, 1 WHERE new.kind = 'label' AND new.class_id IS NOT NULL ON CONFLICT(key) DO UPDATE SET n = n + 1;
  INSERT INTO counters (key, n) VALUES ('annotator:' || new.annotator, 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER events_live AFTER INSERT ON events
  WHEN new.type IN ('set', 'accept') AND new.class_id IS NOT NULL AND new.predicted_class_id IS NOT NULL BEGIN
  INSERT INTO counters (key, n) VALUES ('live_n', 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
  INSERT INTO counters (key, n) VALUES ('live_correct', new.class_id = new.predicted_class_id) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER predictions_ins AFTER INSERT ON predictions BEGIN
  INSERT INTO counters (key, n) VALUES ('predictions', 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
  INSERT INTO counters (key, n) SELECT 'pred:' || new.class_id, 1 WHERE new.class_id IS NOT NULL ON CONFLICT(key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER predictions_upd AFTER UPDATE OF class_id ON predictions WHEN old.class_id IS NOT new.class_id BEGIN
  UPDATE counters SET n = n - 1 WHERE key = 'pred:' || old.class_id;
  INSERT INTO counters (key, n) SELECT 'pred:' || new.class_id, 1 WHERE new.class_id IS NOT NULL ON CONFLICT(key) DO UPDATE SET n = n + 1;
END;
--> statement-breakpoint
CREATE TRIGGER predictions_del AFTER DELETE ON predictions BEGIN
  UPDATE counters SET n = n - 1 WHERE key = 'predictions';
  UPDATE counters SET n = n - 1 WHERE key = 'pred:' || old.class_id;
END;
