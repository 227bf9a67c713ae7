-- title: Children on more than one list
-- lists: list_01, list_02, list_03, list_04, list_05, list_07, list_08 (absent lists count as empty)
-- Of the children on the first list of each pair, how many are also on the second: the pairs
-- inspectors follow through the front door (early help to referral, contact to referral,
-- referral to assessment, S47 to child protection, child protection to care).
WITH pairs (row_order, row_label, a, b) AS (
    VALUES (1, 'Early help (list 2), also referred (list 3)', 'list_02', 'list_03'),
           (2, 'Contact (list 1), also referred (list 3)', 'list_01', 'list_03'),
           (3, 'Referred (list 3), also assessed (list 4)', 'list_03', 'list_04'),
           (4, 'S47 enquiry (list 5), also on a CP plan (list 7)', 'list_05', 'list_07'),
           (5, 'On a CP plan (list 7), also looked after (list 8)', 'list_07', 'list_08')
),
members AS (
    SELECT DISTINCT 'list_01' AS list, CAST("Child Unique ID" AS VARCHAR) AS id FROM list_01
    UNION ALL SELECT DISTINCT 'list_02', CAST("Child Unique ID" AS VARCHAR) FROM list_02
    UNION ALL SELECT DISTINCT 'list_03', CAST("Child Unique ID" AS VARCHAR) FROM list_03
    UNION ALL SELECT DISTINCT 'list_04', CAST("Child Unique ID" AS VARCHAR) FROM list_04
    UNION ALL SELECT DISTINCT 'list_05', CAST("Child Unique ID" AS VARCHAR) FROM list_05
    UNION ALL SELECT DISTINCT 'list_07', CAST("Child Unique ID" AS VARCHAR) FROM list_07
    UNION ALL SELECT DISTINCT 'list_08', CAST("Child Unique ID" AS VARCHAR) FROM list_08
)
SELECT p.row_label, p.row_order, 'On the first list' AS column_label, count(DISTINCT a.id) AS children
FROM pairs p
LEFT JOIN members a ON a.list = p.a
GROUP BY 1, 2, 3
UNION ALL
SELECT p.row_label, p.row_order, 'Also on the second' AS column_label, count(DISTINCT b.id) AS children
FROM pairs p
LEFT JOIN members a ON a.list = p.a
LEFT JOIN members b ON b.list = p.b AND b.id = a.id
GROUP BY 1, 2, 3
