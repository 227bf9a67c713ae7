-- title: Contacts by source
-- lists: list_01
-- Counts contacts (rows), not children: the source mix of the front door.
SELECT coalesce("Contact Source", 'Not recorded') AS row_label, 0 AS row_order, 'Contacts' AS column_label, count(*) AS children
FROM list_01
GROUP BY 1
