-- title: Children by referrals in the last 12 months
-- lists: list_03
-- "Number of Referrals in Last 12 Months" counts a child's earlier referrals in the 12 months to
-- the as-at date; with the current one, a child has that number plus one. Each child once, at
-- their highest count.
WITH child AS (
    SELECT "Child Unique ID" AS id, max(coalesce("Number of Referrals in Last 12 Months", 0)) + 1 AS referrals
    FROM list_03
    GROUP BY "Child Unique ID"
)
SELECT CASE WHEN referrals >= 5 THEN '5 or more' ELSE CAST(referrals AS VARCHAR) END AS row_label,
       least(referrals, 5) AS row_order,
       'Children' AS column_label,
       count(*) AS children
FROM child
GROUP BY 1, 2
