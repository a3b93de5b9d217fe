-- Pre-aggregated statistics, kept by triggers in the same transaction as every change to
-- `cases`, so the dashboard and /metrics read a few thousand rows instead of scanning
-- millions of cases. SQLite has one writer at a time, so each aggregate row is updated in
-- place (upsert). Months are the CST filing month (`filed_on` is a CST date).
CREATE TABLE stats_city (
  month TEXT NOT NULL, receiving_city TEXT NOT NULL, competent_city TEXT NOT NULL, status TEXT NOT NULL,
  decided BIGINT NOT NULL, on_time BIGINT NOT NULL, n BIGINT NOT NULL,
  PRIMARY KEY (month, receiving_city, competent_city, status, decided, on_time));
CREATE TABLE stats_matter (
  month TEXT NOT NULL, matter_code TEXT NOT NULL, decided BIGINT NOT NULL, on_time BIGINT NOT NULL,
  n BIGINT NOT NULL, PRIMARY KEY (month, matter_code, decided, on_time));
CREATE TABLE stats_days (
  month TEXT NOT NULL, decision_days BIGINT NOT NULL, n BIGINT NOT NULL,
  PRIMARY KEY (month, decision_days));

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

CREATE TRIGGER cases_stats_insert AFTER INSERT ON cases BEGIN
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
