-- The operational database of a small web shop: the source of raw.orders.
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, country TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
  ordered_at TEXT NOT NULL, total REAL NOT NULL, currency TEXT NOT NULL, paid BOOLEAN NOT NULL, note TEXT);
INSERT INTO customers VALUES
 (1, 'ana@example.com', 'PT', '2024-01-03'), (2, 'bo@example.com', 'SE', '2024-02-11'),
 (3, 'chen@example.com', 'US', '2024-02-20'), (4, 'dee@example.com', 'DE', '2024-03-01'),
 (5, 'eli@example.com', 'US', '2024-03-15'), (6, 'fay@example.com', 'FR', '2024-04-02');
INSERT INTO orders VALUES
 (101, 1, '2024-05-01T09:12:00Z', 42.50, 'EUR', 1, NULL),
 (102, 3, '2024-05-01T17:40:21Z', 129.00, 'USD', 1, 'gift wrap'),
 (103, 2, '2024-05-02T08:05:10Z', 15.99, 'SEK', 0, NULL),
 (104, 5, '2024-05-02T22:59:59Z', 310.25, 'USD', 1, NULL),
 (105, 4, '2024-05-03T11:00:00Z', 64.00, 'EUR', 1, 'express'),
 (106, 6, '2024-05-03T13:30:45Z', 19.90, 'EUR', 0, NULL),
 (107, 3, '2024-05-04T06:15:00Z', 88.80, 'USD', 1, NULL),
 (108, 1, '2024-05-04T19:20:00Z', 5.00, 'EUR', 1, 'sample');
