CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT NOT NULL);
BEGIN;
INSERT INTO kv(v) VALUES ('one'), ('two'), ('three');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO kv(v) SELECT printf('row-%04d', i) FROM n;
COMMIT;
CREATE INDEX kv_v ON kv(v);
UPDATE kv SET v = 'TWO' WHERE k = 2;
DELETE FROM kv WHERE k > 400;
SELECT count(*), min(v), max(v) FROM kv;
PRAGMA integrity_check;
