--@sqlite
-- Pre-aggregated statistics, kept by triggers in the same transaction as every change to
-- `cases`, so the dashboard and /metrics read a few thousand rows instead of scanning
-- millions of cases. SQLite has one writer at a time, so each aggregate row is updated in
-- place (upsert). Months are the CST filing month (`filed_on` is a CST date).
--@end
--@postgres
-- Pre-aggregated statistics, kept by a trigger in the same transaction as every change to
-- `cases`. PostgreSQL runs writers concurrently, so the trigger only appends +1/-1 delta
-- rows (no row is updated in place, so no lock is held on a hot aggregate row and no
-- deadlock can arise); `Store::compact_stats` folds the deltas together from time to time.
-- Readers always SUM, so they are right before and after compaction.
--@end
CREATE TABLE stats_city (
  month TEXT NOT NULL, receiving_city TEXT NOT NULL, competent_city TEXT NOT NULL, status TEXT NOT NULL,
--@sqlite
  decided BIGINT NOT NULL, on_time BIGINT NOT NULL, n BIGINT NOT NULL,
  PRIMARY KEY (month, receiving_city, competent_city, status, decided, on_time));
--@end
--@postgres
  decided BIGINT NOT NULL, on_time BIGINT NOT NULL, n BIGINT NOT NULL);
CREATE INDEX stats_city_month ON stats_city (month);
--@end
CREATE TABLE stats_matter (
  month TEXT NOT NULL, matter_code TEXT NOT NULL, decided BIGINT NOT NULL, on_time BIGINT NOT NULL,
--@sqlite
  n BIGINT NOT NULL, PRIMARY KEY (month, matter_code, decided, on_time));
CREATE TABLE stats_days (
  month TEXT NOT NULL, decision_days BIGINT NOT NULL, n BIGINT NOT NULL,
  PRIMARY KEY (month, decision_days));
--@end
--@postgres
  n BIGINT NOT NULL);
CREATE INDEX stats_matter_month ON stats_matter (month);
CREATE TABLE stats_days (month TEXT NOT NULL, decision_days BIGINT NOT NULL, n BIGINT NOT NULL);
--@end

INSERT INTO stats_city
  SELECT substr(filed_on, 1, 7), receiving_city, competent_city, status,
         CASE WHEN decided_on IS NOT NULL THEN 1 ELSE 0 END,
         CASE WHEN decided_on IS NOT NULL AND decided_on <= deadline THEN 1 ELSE 0 END, COUNT(*)
  FROM cases GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO stats_matter
  SELECT substr(filed_on, 1, 7), matter_code,
         CASE WHEN decided_on IS NOT NULL THEN 1 ELSE 0 END,
         CASE WHEN decided_on IS NOT NULL AND decided_on <= deadline THEN 1 ELSE 0 END, COUNT(*)
  FROM cases GROUP BY 1, 2, 3, 4;
INSERT INTO stats_days
  SELECT substr(filed_on, 1, 7), decision_days, COUNT(*)
  FROM cases WHERE decision_days IS NOT NULL GROUP BY 1, 2;

--@sqlite
CREATE TRIGGER cases_stats_insert AFTER INSERT ON cases BEGIN
  INSERT INTO stats_city VALUES (substr(NEW.filed_on, 1, 7), NEW.receiving_city, NEW.competent_city, NEW.status,
--@end
--@postgres
CREATE FUNCTION cases_stats_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO stats_city VALUES (substr(OLD.filed_on, 1, 7), OLD.receiving_city, OLD.competent_city, OLD.status,
      CASE WHEN OLD.decided_on IS NOT NULL THEN 1 ELSE 0 END,
      CASE WHEN OLD.decided_on IS NOT NULL AND OLD.decided_on <= OLD.deadline THEN 1 ELSE 0 END, -1);
    INSERT INTO stats_matter VALUES (substr(OLD.filed_on, 1, 7), OLD.matter_code,
      CASE WHEN OLD.decided_on IS NOT NULL THEN 1 ELSE 0 END,
      CASE WHEN OLD.decided_on IS NOT NULL AND OLD.decided_on <= OLD.deadline THEN 1 ELSE 0 END, -1);
    IF OLD.decision_days IS NOT NULL THEN
      INSERT INTO stats_days VALUES (substr(OLD.filed_on, 1, 7), OLD.decision_days, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO stats_city VALUES (substr(NEW.filed_on, 1, 7), NEW.receiving_city, NEW.competent_city, NEW.status,
--@end
      CASE WHEN NEW.decided_on IS NOT NULL THEN 1 ELSE 0 END,
--@sqlite
      CASE WHEN NEW.decided_on IS NOT NULL AND NEW.decided_on <= NEW.deadline THEN 1 ELSE 0 END, 1)
    ON CONFLICT (month, receiving_city, competent_city, status, decided, on_time) DO UPDATE SET n = n + 1;
  INSERT INTO stats_matter VALUES (substr(NEW.filed_on, 1, 7), NEW.matter_code,
--@end
--@postgres
      CASE WHEN NEW.decided_on IS NOT NULL AND NEW.decided_on <= NEW.deadline THEN 1 ELSE 0 END, 1);
    INSERT INTO stats_matter VALUES (substr(NEW.filed_on, 1, 7), NEW.matter_code,
--@end
      CASE WHEN NEW.decided_on IS NOT NULL THEN 1 ELSE 0 END,
--@sqlite
      CASE WHEN NEW.decided_on IS NOT NULL AND NEW.decided_on <= NEW.deadline THEN 1 ELSE 0 END, 1)
    ON CONFLICT (month, matter_code, decided, on_time) DO UPDATE SET n = n + 1;
  INSERT INTO stats_days SELECT substr(NEW.filed_on, 1, 7), NEW.decision_days, 1
    WHERE NEW.decision_days IS NOT NULL
    ON CONFLICT (month, decision_days) DO UPDATE SET n = n + 1;
END;
--@end
--@postgres
      CASE WHEN NEW.decided_on IS NOT NULL AND NEW.decided_on <= NEW.deadline THEN 1 ELSE 0 END, 1);
    IF NEW.decision_days IS NOT NULL THEN
      INSERT INTO stats_days VALUES (substr(NEW.filed_on, 1, 7), NEW.decision_days, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;
--@end

--@sqlite
CREATE TRIGGER cases_stats_delete AFTER DELETE ON cases BEGIN
  UPDATE stats_city SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7)
    AND receiving_city = OLD.receiving_city AND competent_city = OLD.competent_city AND status = OLD.status
    AND decided = CASE WHEN OLD.decided_on IS NOT NULL THEN 1 ELSE 0 END
    AND on_time = CASE WHEN OLD.decided_on IS NOT NULL AND OLD.decided_on <= OLD.deadline THEN 1 ELSE 0 END;
  UPDATE stats_matter SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7) AND matter_code = OLD.matter_code
    AND decided = CASE WHEN OLD.decided_on IS NOT NULL THEN 1 ELSE 0 END
    AND on_time = CASE WHEN OLD.decided_on IS NOT NULL AND OLD.decided_on <= OLD.deadline THEN 1 ELSE 0 END;
  UPDATE stats_days SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7) AND decision_days = OLD.decision_days;
END;

CREATE TRIGGER cases_stats_update AFTER UPDATE ON cases
  WHEN OLD.status IS NOT NEW.status OR OLD.decided_on IS NOT NEW.decided_on OR OLD.deadline IS NOT NEW.deadline
    OR OLD.decision_days IS NOT NEW.decision_days OR OLD.filed_on IS NOT NEW.filed_on
    OR OLD.receiving_city IS NOT NEW.receiving_city OR OLD.competent_city IS NOT NEW.competent_city
    OR OLD.matter_code IS NOT NEW.matter_code
BEGIN
  UPDATE stats_city SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7)
    AND receiving_city = OLD.receiving_city AND competent_city = OLD.competent_city AND status = OLD.status
    AND decided = CASE WHEN OLD.decided_on IS NOT NULL THEN 1 ELSE 0 END
    AND on_time = CASE WHEN OLD.decided_on IS NOT NULL AND OLD.decided_on <= OLD.deadline THEN 1 ELSE 0 END;
  UPDATE stats_matter SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7) AND matter_code = OLD.matter_code
    AND decided = CASE WHEN OLD.decided_on IS NOT NULL THEN 1 ELSE 0 END
    AND on_time = CASE WHEN OLD.decided_on IS NOT NULL AND OLD.decided_on <= OLD.deadline THEN 1 ELSE 0 END;
  UPDATE stats_days SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7) AND decision_days = OLD.decision_days;
  INSERT INTO stats_city VALUES (substr(NEW.filed_on, 1, 7), NEW.receiving_city, NEW.competent_city, NEW.status,
      CASE WHEN NEW.decided_on IS NOT NULL THEN 1 ELSE 0 END,
      CASE WHEN NEW.decided_on IS NOT NULL AND NEW.decided_on <= NEW.deadline THEN 1 ELSE 0 END, 1)
    ON CONFLICT (month, receiving_city, competent_city, status, decided, on_time) DO UPDATE SET n = n + 1;
  INSERT INTO stats_matter VALUES (substr(NEW.filed_on, 1, 7), NEW.matter_code,
      CASE WHEN NEW.decided_on IS NOT NULL THEN 1 ELSE 0 END,
      CASE WHEN NEW.decided_on IS NOT NULL AND NEW.decided_on <= NEW.deadline THEN 1 ELSE 0 END, 1)
    ON CONFLICT (month, matter_code, decided, on_time) DO UPDATE SET n = n + 1;
  INSERT INTO stats_days SELECT substr(NEW.filed_on, 1, 7), NEW.decision_days, 1
    WHERE NEW.decision_days IS NOT NULL
    ON CONFLICT (month, decision_days) DO UPDATE SET n = n + 1;
END;
--@end
--@postgres
CREATE TRIGGER cases_stats_insert_delete AFTER INSERT OR DELETE ON cases
  FOR EACH ROW EXECUTE FUNCTION cases_stats_delta();
CREATE TRIGGER cases_stats_update AFTER UPDATE ON cases FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.decided_on IS DISTINCT FROM NEW.decided_on
    OR OLD.deadline IS DISTINCT FROM NEW.deadline OR OLD.decision_days IS DISTINCT FROM NEW.decision_days
    OR OLD.filed_on IS DISTINCT FROM NEW.filed_on OR OLD.receiving_city IS DISTINCT FROM NEW.receiving_city
    OR OLD.competent_city IS DISTINCT FROM NEW.competent_city OR OLD.matter_code IS DISTINCT FROM NEW.matter_code)
  EXECUTE FUNCTION cases_stats_delta();
--@end
