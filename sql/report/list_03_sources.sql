-- title: Referrals by source
-- lists: list_03
-- Counts referrals (rows), not children.
SELECT coalesce("Referral Source", 'Not recorded') AS row_label, 0 AS row_order, 'Referrals' AS column_label, count(*) AS children
FROM list_03
GROUP BY 1
