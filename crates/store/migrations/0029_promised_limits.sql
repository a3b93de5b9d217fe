-- Promised time limits and the window's hand-off (issue #27 point 5).
--
-- `cases` gains the corridor's promised limit (working days, 0 where none was promised: cases
-- filed before this migration), its deadline (counted like the statutory one: from acceptance,
-- corrections excluded), and when the receiving window received and forwarded the case.
--
-- Two aggregates, kept by triggers in the same transaction as every change to `cases` (as
-- those of 0003): `stats_limits` by filing month, deciding city and matter, with `decided`,
-- `on_time` (statutory) and `promise` (0: undecided or nothing promised, 1: decided within the
-- promise, 2: decided after it); `stats_forward`, a histogram of the minutes from receipt to
-- forwarding by receiving city (exact below an hour, then in quarter hours below a day, then in
-- hours). `fed_stats_limits` and `fed_stats_forward` hold those other nodes send.
ALTER TABLE cases ADD COLUMN promised_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN promised_deadline TEXT;
ALTER TABLE cases ADD COLUMN received_ms BIGINT;
ALTER TABLE cases ADD COLUMN forwarded_ms BIGINT;
CREATE TABLE stats_limits (
  month TEXT NOT NULL, competent_city TEXT NOT NULL, matter_code TEXT NOT NULL, decided BIGINT NOT NULL,
--@sqlite
  on_time BIGINT NOT NULL, promise BIGINT NOT NULL, n BIGINT NOT NULL,
  PRIMARY KEY (month, competent_city, matter_code, decided, on_time, promise));
--@end
--@postgres
  on_time BIGINT NOT NULL, promise BIGINT NOT NULL, n BIGINT NOT NULL);
CREATE INDEX stats_limits_month ON stats_limits (month);
--@end
CREATE TABLE stats_forward (
--@sqlite
  month TEXT NOT NULL, receiving_city TEXT NOT NULL, minutes BIGINT NOT NULL, n BIGINT NOT NULL,
  PRIMARY KEY (month, receiving_city, minutes));
--@end
--@postgres
  month TEXT NOT NULL, receiving_city TEXT NOT NULL, minutes BIGINT NOT NULL, n BIGINT NOT NULL);
--@end
CREATE TABLE fed_stats_limits (
    sender TEXT NOT NULL, month TEXT NOT NULL, competent_city TEXT NOT NULL,
    matter_code TEXT NOT NULL, decided BIGINT NOT NULL, on_time BIGINT NOT NULL,
    promise BIGINT NOT NULL, n BIGINT NOT NULL
);
CREATE INDEX fed_stats_limits_sender ON fed_stats_limits (sender);
CREATE TABLE fed_stats_forward (
    sender TEXT NOT NULL, month TEXT NOT NULL, receiving_city TEXT NOT NULL,
    minutes BIGINT NOT NULL, n BIGINT NOT NULL
);
CREATE INDEX fed_stats_forward_sender ON fed_stats_forward (sender);
INSERT INTO stats_limits
  SELECT substr(c.filed_on, 1, 7), c.competent_city, c.matter_code, CASE WHEN c.decided_on IS NOT NULL THEN 1 ELSE 0 END,
         CASE WHEN c.decided_on IS NOT NULL AND c.decided_on <= c.deadline THEN 1 ELSE 0 END,
         CASE WHEN c.decided_on IS NULL OR c.promised_deadline IS NULL THEN 0 WHEN c.decided_on <= c.promised_deadline THEN 1 ELSE 2 END, COUNT(*)
  FROM cases c GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO stats_forward
  SELECT substr(c.filed_on, 1, 7), c.receiving_city, CASE WHEN ((c.forwarded_ms - c.received_ms) / 60000) < 60 THEN ((c.forwarded_ms - c.received_ms) / 60000) WHEN ((c.forwarded_ms - c.received_ms) / 60000) < 1440 THEN ((c.forwarded_ms - c.received_ms) / 60000) / 15 * 15 ELSE ((c.forwarded_ms - c.received_ms) / 60000) / 60 * 60 END, COUNT(*)
  FROM cases c WHERE c.received_ms IS NOT NULL AND c.forwarded_ms IS NOT NULL GROUP BY 1, 2, 3;

--@sqlite
CREATE TRIGGER cases_limits_insert AFTER INSERT ON cases BEGIN
  INSERT INTO stats_limits VALUES (substr(NEW.filed_on, 1, 7), NEW.competent_city, NEW.matter_code,
--@end
--@postgres
CREATE FUNCTION cases_limits_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO stats_limits VALUES (substr(OLD.filed_on, 1, 7), OLD.competent_city, OLD.matter_code,
      CASE WHEN OLD.decided_on IS NOT NULL THEN 1 ELSE 0 END,
      CASE WHEN OLD.decided_on IS NOT NULL AND OLD.decided_on <= OLD.deadline THEN 1 ELSE 0 END,
      CASE WHEN OLD.decided_on IS NULL OR OLD.promised_deadline IS NULL THEN 0 WHEN OLD.decided_on <= OLD.promised_deadline THEN 1 ELSE 2 END, -1);
    IF OLD.received_ms IS NOT NULL AND OLD.forwarded_ms IS NOT NULL THEN
      INSERT INTO stats_forward VALUES (substr(OLD.filed_on, 1, 7), OLD.receiving_city,
        CASE WHEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) < 60 THEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) WHEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) < 1440 THEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) / 15 * 15 ELSE ((OLD.forwarded_ms - OLD.received_ms) / 60000) / 60 * 60 END, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO stats_limits VALUES (substr(NEW.filed_on, 1, 7), NEW.competent_city, NEW.matter_code,
--@end
      CASE WHEN NEW.decided_on IS NOT NULL THEN 1 ELSE 0 END,
      CASE WHEN NEW.decided_on IS NOT NULL AND NEW.decided_on <= NEW.deadline THEN 1 ELSE 0 END,
--@sqlite
      CASE WHEN NEW.decided_on IS NULL OR NEW.promised_deadline IS NULL THEN 0 WHEN NEW.decided_on <= NEW.promised_deadline THEN 1 ELSE 2 END, 1)
    ON CONFLICT (month, competent_city, matter_code, decided, on_time, promise) DO UPDATE SET n = n + 1;
  INSERT INTO stats_forward SELECT substr(NEW.filed_on, 1, 7), NEW.receiving_city,
      CASE WHEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) < 60 THEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) WHEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) < 1440 THEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) / 15 * 15 ELSE ((NEW.forwarded_ms - NEW.received_ms) / 60000) / 60 * 60 END, 1
    WHERE NEW.received_ms IS NOT NULL AND NEW.forwarded_ms IS NOT NULL
    ON CONFLICT (month, receiving_city, minutes) DO UPDATE SET n = n + 1;
END;
--@end
--@postgres
      CASE WHEN NEW.decided_on IS NULL OR NEW.promised_deadline IS NULL THEN 0 WHEN NEW.decided_on <= NEW.promised_deadline THEN 1 ELSE 2 END, 1);
    IF NEW.received_ms IS NOT NULL AND NEW.forwarded_ms IS NOT NULL THEN
      INSERT INTO stats_forward VALUES (substr(NEW.filed_on, 1, 7), NEW.receiving_city,
        CASE WHEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) < 60 THEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) WHEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) < 1440 THEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) / 15 * 15 ELSE ((NEW.forwarded_ms - NEW.received_ms) / 60000) / 60 * 60 END, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;
--@end

--@sqlite
CREATE TRIGGER cases_limits_delete AFTER DELETE ON cases BEGIN
  UPDATE stats_limits SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7) AND competent_city = OLD.competent_city
    AND matter_code = OLD.matter_code AND decided = CASE WHEN OLD.decided_on IS NOT NULL THEN 1 ELSE 0 END
    AND on_time = CASE WHEN OLD.decided_on IS NOT NULL AND OLD.decided_on <= OLD.deadline THEN 1 ELSE 0 END
    AND promise = CASE WHEN OLD.decided_on IS NULL OR OLD.promised_deadline IS NULL THEN 0 WHEN OLD.decided_on <= OLD.promised_deadline THEN 1 ELSE 2 END;
  UPDATE stats_forward SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7) AND receiving_city = OLD.receiving_city
    AND minutes = CASE WHEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) < 60 THEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) WHEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) < 1440 THEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) / 15 * 15 ELSE ((OLD.forwarded_ms - OLD.received_ms) / 60000) / 60 * 60 END;
END;

CREATE TRIGGER cases_limits_update AFTER UPDATE ON cases
  WHEN OLD.decided_on IS NOT NEW.decided_on OR OLD.deadline IS NOT NEW.deadline OR OLD.promised_deadline IS NOT NEW.promised_deadline OR OLD.filed_on IS NOT NEW.filed_on OR OLD.competent_city IS NOT NEW.competent_city OR OLD.matter_code IS NOT NEW.matter_code OR OLD.receiving_city IS NOT NEW.receiving_city OR OLD.received_ms IS NOT NEW.received_ms OR OLD.forwarded_ms IS NOT NEW.forwarded_ms
BEGIN
  UPDATE stats_limits SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7) AND competent_city = OLD.competent_city
    AND matter_code = OLD.matter_code AND decided = CASE WHEN OLD.decided_on IS NOT NULL THEN 1 ELSE 0 END
    AND on_time = CASE WHEN OLD.decided_on IS NOT NULL AND OLD.decided_on <= OLD.deadline THEN 1 ELSE 0 END
    AND promise = CASE WHEN OLD.decided_on IS NULL OR OLD.promised_deadline IS NULL THEN 0 WHEN OLD.decided_on <= OLD.promised_deadline THEN 1 ELSE 2 END;
  UPDATE stats_forward SET n = n - 1 WHERE month = substr(OLD.filed_on, 1, 7) AND receiving_city = OLD.receiving_city
    AND minutes = CASE WHEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) < 60 THEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) WHEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) < 1440 THEN ((OLD.forwarded_ms - OLD.received_ms) / 60000) / 15 * 15 ELSE ((OLD.forwarded_ms - OLD.received_ms) / 60000) / 60 * 60 END;
  INSERT INTO stats_limits VALUES (substr(NEW.filed_on, 1, 7), NEW.competent_city, NEW.matter_code,
      CASE WHEN NEW.decided_on IS NOT NULL THEN 1 ELSE 0 END,
      CASE WHEN NEW.decided_on IS NOT NULL AND NEW.decided_on <= NEW.deadline THEN 1 ELSE 0 END,
      CASE WHEN NEW.decided_on IS NULL OR NEW.promised_deadline IS NULL THEN 0 WHEN NEW.decided_on <= NEW.promised_deadline THEN 1 ELSE 2 END, 1)
    ON CONFLICT (month, competent_city, matter_code, decided, on_time, promise) DO UPDATE SET n = n + 1;
  INSERT INTO stats_forward SELECT substr(NEW.filed_on, 1, 7), NEW.receiving_city,
      CASE WHEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) < 60 THEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) WHEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) < 1440 THEN ((NEW.forwarded_ms - NEW.received_ms) / 60000) / 15 * 15 ELSE ((NEW.forwarded_ms - NEW.received_ms) / 60000) / 60 * 60 END, 1
    WHERE NEW.received_ms IS NOT NULL AND NEW.forwarded_ms IS NOT NULL
    ON CONFLICT (month, receiving_city, minutes) DO UPDATE SET n = n + 1;
END;
--@end
--@postgres
CREATE TRIGGER cases_limits_insert_delete AFTER INSERT OR DELETE ON cases
  FOR EACH ROW EXECUTE FUNCTION cases_limits_delta();
CREATE TRIGGER cases_limits_update AFTER UPDATE ON cases FOR EACH ROW
  WHEN (OLD.decided_on IS DISTINCT FROM NEW.decided_on OR OLD.deadline IS DISTINCT FROM NEW.deadline OR OLD.promised_deadline IS DISTINCT FROM NEW.promised_deadline OR OLD.filed_on IS DISTINCT FROM NEW.filed_on OR OLD.competent_city IS DISTINCT FROM NEW.competent_city OR OLD.matter_code IS DISTINCT FROM NEW.matter_code OR OLD.receiving_city IS DISTINCT FROM NEW.receiving_city OR OLD.received_ms IS DISTINCT FROM NEW.received_ms OR OLD.forwarded_ms IS DISTINCT FROM NEW.forwarded_ms)
  EXECUTE FUNCTION cases_limits_delta();
--@end
