--@sqlite
-- How many cases each window, competent authority and applicant has in each state, kept by
-- triggers in the same transaction as every change to `cases` (as the statistics of 0003).
--@end
--@postgres
-- How many cases each window, competent authority and applicant has in each state, kept by a
-- trigger in the same transaction as every change to `cases`. As for the statistics of 0003,
-- the trigger only appends +1/-1 delta rows (no hot row is updated in place, so concurrent
-- writers neither wait on nor deadlock over a counter); readers SUM, and a reader that finds
-- many deltas for its scope folds them together (`Store::list_cases`).
--@end
-- A queue's or a scope's list reads its total here, exactly, instead of counting up to
-- 10,001 index entries on every page: at 1,000 requests/s, with a window holding more than
-- 10,000 submitted cases, that count was the costliest query of the load on PostgreSQL.
-- Scopes are 'w:<window>', 'a:<authority>', 'u:<applicant user id>'.
--@sqlite
CREATE TABLE case_counts (
  scope TEXT NOT NULL, status TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (scope, status));
--@end
--@postgres
CREATE TABLE case_counts (scope TEXT NOT NULL, status TEXT NOT NULL, n BIGINT NOT NULL);
CREATE INDEX case_counts_scope ON case_counts (scope, status);
--@end

INSERT INTO case_counts SELECT 'w:' || receiving_window, status, COUNT(*) FROM cases
  WHERE receiving_window IS NOT NULL GROUP BY 1, 2;
INSERT INTO case_counts SELECT 'a:' || competent_authority, status, COUNT(*) FROM cases
  GROUP BY 1, 2;
INSERT INTO case_counts SELECT 'u:' || applicant_user, status, COUNT(*) FROM cases
  WHERE applicant_user IS NOT NULL GROUP BY 1, 2;

--@sqlite
CREATE TRIGGER cases_counts_insert AFTER INSERT ON cases BEGIN
  INSERT INTO case_counts SELECT 'w:' || NEW.receiving_window, NEW.status, 1
    WHERE NEW.receiving_window IS NOT NULL ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
  INSERT INTO case_counts SELECT 'a:' || NEW.competent_authority, NEW.status, 1
    WHERE TRUE ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
  INSERT INTO case_counts SELECT 'u:' || NEW.applicant_user, NEW.status, 1
    WHERE NEW.applicant_user IS NOT NULL ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
END;
--@end
--@postgres
CREATE FUNCTION cases_counts_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO case_counts
      SELECT s, OLD.status, -1 FROM (VALUES ('w:' || OLD.receiving_window),
        ('a:' || OLD.competent_authority), ('u:' || OLD.applicant_user)) AS v(s)
      WHERE s IS NOT NULL;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO case_counts
      SELECT s, NEW.status, 1 FROM (VALUES ('w:' || NEW.receiving_window),
        ('a:' || NEW.competent_authority), ('u:' || NEW.applicant_user)) AS v(s)
      WHERE s IS NOT NULL;
  END IF;
  RETURN NULL;
END $$;
--@end

--@sqlite
CREATE TRIGGER cases_counts_delete AFTER DELETE ON cases BEGIN
  UPDATE case_counts SET n = n - 1 WHERE scope = 'w:' || OLD.receiving_window AND status = OLD.status;
  UPDATE case_counts SET n = n - 1 WHERE scope = 'a:' || OLD.competent_authority AND status = OLD.status;
  UPDATE case_counts SET n = n - 1 WHERE scope = 'u:' || OLD.applicant_user AND status = OLD.status;
END;

CREATE TRIGGER cases_counts_update AFTER UPDATE ON cases
  WHEN OLD.status IS NOT NEW.status OR OLD.receiving_window IS NOT NEW.receiving_window
    OR OLD.competent_authority IS NOT NEW.competent_authority
    OR OLD.applicant_user IS NOT NEW.applicant_user
BEGIN
  UPDATE case_counts SET n = n - 1 WHERE scope = 'w:' || OLD.receiving_window AND status = OLD.status;
  UPDATE case_counts SET n = n - 1 WHERE scope = 'a:' || OLD.competent_authority AND status = OLD.status;
  UPDATE case_counts SET n = n - 1 WHERE scope = 'u:' || OLD.applicant_user AND status = OLD.status;
  INSERT INTO case_counts SELECT 'w:' || NEW.receiving_window, NEW.status, 1
    WHERE NEW.receiving_window IS NOT NULL ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
  INSERT INTO case_counts SELECT 'a:' || NEW.competent_authority, NEW.status, 1
    WHERE TRUE ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
  INSERT INTO case_counts SELECT 'u:' || NEW.applicant_user, NEW.status, 1
    WHERE NEW.applicant_user IS NOT NULL ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
END;
--@end
--@postgres
CREATE TRIGGER cases_counts_insert_delete AFTER INSERT OR DELETE ON cases
  FOR EACH ROW EXECUTE FUNCTION cases_counts_delta();
CREATE TRIGGER cases_counts_update AFTER UPDATE ON cases FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status
    OR OLD.receiving_window IS DISTINCT FROM NEW.receiving_window
    OR OLD.competent_authority IS DISTINCT FROM NEW.competent_authority
    OR OLD.applicant_user IS DISTINCT FROM NEW.applicant_user)
  EXECUTE FUNCTION cases_counts_delta();
--@end
