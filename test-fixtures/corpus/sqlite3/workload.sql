-- The sqlite3 corpus workload: deterministic (no random(), no clock), writes its database to the
-- sandbox. Tens of thousands of rows, indexes, joins, aggregates, a recursive CTE.
PRAGMA page_size = 4096;
PRAGMA journal_mode = DELETE;
-- WASI has no temporary directory: sorter and temp tables stay in memory
PRAGMA temp_store = MEMORY;
CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT NOT NULL, region INTEGER NOT NULL);
CREATE TABLE item(id INTEGER PRIMARY KEY, label TEXT NOT NULL, price INTEGER NOT NULL);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, item INTEGER NOT NULL, qty INTEGER NOT NULL, day INTEGER NOT NULL);

BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
INSERT INTO customer SELECT i, printf('customer-%05d-%s', i, hex(i * 2654435761 % 4294967296)), i * 7 % 23 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
INSERT INTO item SELECT i, printf('item %d/%d', i % 37, i), 100 + (i * 7919) % 9900 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
INSERT INTO orders SELECT i, 1 + (i * 48271) % 4000, 1 + (i * 16807) % 1500, 1 + i % 9, (i * 31) % 365 FROM n;
COMMIT;

CREATE INDEX orders_customer ON orders(customer);
CREATE INDEX orders_item_day ON orders(item, day);
CREATE INDEX customer_region ON customer(region, name);

SELECT 'rows', (SELECT count(*) FROM customer), (SELECT count(*) FROM item), (SELECT count(*) FROM orders);

-- revenue per region (join + group by)
SELECT c.region, count(*), sum(o.qty * i.price), max(o.qty * i.price)
FROM orders o JOIN customer c ON c.id = o.customer JOIN item i ON i.id = o.item
GROUP BY c.region ORDER BY c.region;

-- top customers (join, aggregate, order by, limit)
SELECT c.name, sum(o.qty * i.price) AS total
FROM customer c JOIN orders o ON o.customer = c.id JOIN item i ON i.id = o.item
GROUP BY c.id ORDER BY total DESC, c.id LIMIT 10;

-- items never ordered on a day divisible by 50 (correlated subquery through an index)
SELECT count(*) FROM item i WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.item = i.id AND o.day % 50 = 0);

-- a window function
SELECT day, total, sum(total) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
FROM (SELECT day, sum(qty) AS total FROM orders GROUP BY day) ORDER BY day LIMIT 20;

-- a recursive CTE: Collatz lengths of 1..3000, the longest ones
WITH RECURSIVE c(start, x, steps) AS (
  SELECT value, value, 0 FROM generate_series(1, 3000)
  UNION ALL
  SELECT start, CASE WHEN x % 2 = 0 THEN x / 2 ELSE 3 * x + 1 END, steps + 1 FROM c WHERE x > 1
)
SELECT start, max(steps) AS len FROM c GROUP BY start ORDER BY len DESC, start LIMIT 5;

-- updates and deletes through indexes
UPDATE orders SET qty = qty + 1 WHERE item IN (SELECT id FROM item WHERE price > 9000);
DELETE FROM orders WHERE day = 100;
SELECT count(*), sum(qty) FROM orders;

-- a text-heavy aggregate
SELECT region, length(group_concat(name, ',')) FROM customer GROUP BY region ORDER BY region LIMIT 5;

PRAGMA integrity_check;
VACUUM;
SELECT 'done', page_count FROM pragma_page_count;
