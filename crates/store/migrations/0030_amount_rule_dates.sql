-- Amount rules take effect on a date (issue #27 point 3): a policy published ahead of the day it
-- applies. `effective_from` is a CST date (YYYY-MM-DD); NULL, as for every version published
-- before this migration, means the day it was published. On a day, the version in force for a
-- (city, matter) is the one with the latest effective date not after that day (the higher
-- version on the same date).
ALTER TABLE amount_rules ADD COLUMN effective_from TEXT;
