-- title: Children looked after by placement type
-- lists: list_08
-- Children still looked after, by the type of their most recent placement.
SELECT coalesce("Placement Type", 'Not recorded') AS row_label, 0 AS row_order, 'Children' AS column_label, count(DISTINCT "Child Unique ID") AS children
FROM list_08
WHERE "Date Ceased to be Looked After" IS NULL
GROUP BY 1
