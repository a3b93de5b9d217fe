--@sqlite
-- (PostgreSQL only: material_blobs stored out of line without compression.)
SELECT 1;
--@end
--@postgres
-- Scans and PDFs rarely compress: store them out of line without trying.
ALTER TABLE material_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
--@end
