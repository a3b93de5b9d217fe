-- (PostgreSQL only: material_blobs stored out of line without compression.)
SELECT 1;
