-- care_proceedings: each ssd_pre_proceedings row read as a child's period of pre-proceedings
-- under the Public Law Outline and, when proceedings were issued, of care proceedings
-- (docs/definitions.md §1.3 C22-C24). The SSD records outcomes as text, so they are matched on
-- words, not exact values:
--   plo_start    the legal meeting that agreed to start pre-proceedings (PREP003A); null when
--                proceedings were issued without pre-proceedings;
--   plo_outcome  'issued' (outcome mentions issue) or 'stepped_down' (step down); null while
--                pre-proceedings are open (the SSD asks for the outcome to be left blank);
--   plo_end      the meeting that agreed to step down or issue (PREP006A), once there is an outcome;
--   issued       the day care proceedings were issued. The Children Act 1989 s32(1)(a)(ii) counts
--                the 26 weeks from the day the application was issued; the SSD has no court issue
--                date, so csc reads the letter to parents that proceedings are issued (PREP012A),
--                else the day the legal meeting agreed to issue (PREP006A);
--   concluded    a final care plan is recorded (PREP023A) other than H (not yet at final hearing);
--   family_key   the set of proceedings: the PLO family id (PREP002A: children starting and
--                ending proceedings together), else the child and the issue or start date.
WITH r AS (
    SELECT p.*,
           CASE WHEN upper(p.prep_pre_pro_outcome) LIKE '%ISSUE%' THEN 'issued'
                WHEN upper(p.prep_pre_pro_outcome) LIKE '%STEP%DOWN%' THEN 'stepped_down' END AS plo_outcome,
           upper(trim(coalesce(p.prep_la_final_care_plan, ''))) AS final_plan
    FROM pre_proceedings p
)
SELECT prep_table_id,
       prep_person_id,
       prep_pre_pro_decision_date AS plo_start,
       plo_outcome,
       CASE WHEN plo_outcome IS NOT NULL THEN prep_agree_stepdown_issue_date END AS plo_end,
       CASE WHEN plo_outcome = 'issued' OR prep_care_pro_letter_date IS NOT NULL
            THEN coalesce(prep_care_pro_letter_date, prep_agree_stepdown_issue_date) END AS issued,
       final_plan <> '' AND final_plan NOT LIKE 'H%' AND final_plan NOT LIKE '%NOT YET%' AND final_plan NOT LIKE 'NOT IN CARE%' AS concluded,
       coalesce(prep_plo_family_id,
                concat('child ', prep_person_id, ' ',
                       CAST(coalesce(prep_care_pro_letter_date, prep_agree_stepdown_issue_date, prep_pre_pro_decision_date) AS VARCHAR))) AS family_key
FROM r
