-- Scans and PDFs rarely compress: store them out of line without trying.
ALTER TABLE material_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
