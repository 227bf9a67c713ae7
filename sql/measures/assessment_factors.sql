-- measure: assessment_factors — Factors identified at the end of assessment (DfE C3)
-- sources: assessment, assessment_factor
-- publishes: af_episodes | count | neutral | Children in need episodes with a factor identified at the end of assessment
-- publishes: af_alcohol_misuse_child | count | neutral | Episodes with factor at end of assessment: Alcohol misuse by the child
-- publishes: af_alcohol_misuse_parent | count | neutral | Episodes with factor at end of assessment: Alcohol misuse by a parent or carer
-- publishes: af_alcohol_misuse_person | count | neutral | Episodes with factor at end of assessment: Alcohol misuse by another person in the household
-- publishes: af_drug_misuse_child | count | neutral | Episodes with factor at end of assessment: Drug misuse by the child
-- publishes: af_drug_misuse_parent | count | neutral | Episodes with factor at end of assessment: Drug misuse by a parent or carer
-- publishes: af_drug_misuse_person | count | neutral | Episodes with factor at end of assessment: Drug misuse by another person in the household
-- publishes: af_domestic_abuse_child | count | neutral | Episodes with factor at end of assessment: Domestic abuse: the child subject to it
-- publishes: af_domestic_abuse_parent | count | neutral | Episodes with factor at end of assessment: Domestic abuse: a parent or carer subject to it
-- publishes: af_domestic_abuse_person | count | neutral | Episodes with factor at end of assessment: Domestic abuse: another person in the household subject to it
-- publishes: af_mental_health_child | count | neutral | Episodes with factor at end of assessment: Mental health of the child
-- publishes: af_mental_health_parent | count | neutral | Episodes with factor at end of assessment: Mental health of a parent or carer
-- publishes: af_mental_health_person | count | neutral | Episodes with factor at end of assessment: Mental health of another person in the household
-- publishes: af_learning_disability_child | count | neutral | Episodes with factor at end of assessment: Learning disability of the child
-- publishes: af_learning_disability_parent | count | neutral | Episodes with factor at end of assessment: Learning disability of a parent or carer
-- publishes: af_learning_disability_person | count | neutral | Episodes with factor at end of assessment: Learning disability of another person in the household
-- publishes: af_physical_disability_child | count | neutral | Episodes with factor at end of assessment: Physical disability or illness of the child
-- publishes: af_physical_disability_parent | count | neutral | Episodes with factor at end of assessment: Physical disability or illness of a parent or carer
-- publishes: af_physical_disability_person | count | neutral | Episodes with factor at end of assessment: Physical disability or illness of another person in the household
-- publishes: af_young_carer | count | neutral | Episodes with factor at end of assessment: Young carer
-- publishes: af_privately_fostered | count | neutral | Episodes with factor at end of assessment: Privately fostered
-- publishes: af_unaccompanied_asylum_seeker | count | neutral | Episodes with factor at end of assessment: Unaccompanied asylum-seeking child
-- publishes: af_going_missing | count | neutral | Episodes with factor at end of assessment: Going or being missing
-- publishes: af_child_sexual_exploitation | count | neutral | Episodes with factor at end of assessment: Child sexual exploitation
-- publishes: af_trafficking | count | neutral | Episodes with factor at end of assessment: Trafficking
-- publishes: af_gangs | count | neutral | Episodes with factor at end of assessment: Gangs
-- publishes: af_socially_unacceptable_behaviour | count | neutral | Episodes with factor at end of assessment: Socially unacceptable behaviour
-- publishes: af_self_harm | count | neutral | Episodes with factor at end of assessment: Self-harm
-- publishes: af_neglect | count | neutral | Episodes with factor at end of assessment: Neglect
-- publishes: af_emotional_abuse | count | neutral | Episodes with factor at end of assessment: Emotional abuse
-- publishes: af_physical_abuse_unknown | count | neutral | Episodes with factor at end of assessment: Physical abuse (perpetrator not recorded: code 18A)
-- publishes: af_physical_abuse_child_on_child | count | neutral | Episodes with factor at end of assessment: Physical abuse, child on child
-- publishes: af_physical_abuse_adult_on_child | count | neutral | Episodes with factor at end of assessment: Physical abuse, adult on child
-- publishes: af_sexual_abuse_unknown | count | neutral | Episodes with factor at end of assessment: Sexual abuse (perpetrator not recorded: code 19A)
-- publishes: af_sexual_abuse_child_on_child | count | neutral | Episodes with factor at end of assessment: Sexual abuse, child on child
-- publishes: af_sexual_abuse_adult_on_child | count | neutral | Episodes with factor at end of assessment: Sexual abuse, adult on child
-- publishes: af_female_genital_mutilation | count | neutral | Episodes with factor at end of assessment: Female genital mutilation
-- publishes: af_faith_linked_abuse | count | neutral | Episodes with factor at end of assessment: Abuse linked to faith or belief
-- publishes: af_child_criminal_exploitation | count | neutral | Episodes with factor at end of assessment: Child criminal exploitation
-- publishes: af_other | count | neutral | Episodes with factor at end of assessment: Other factors
-- Definition: docs/definitions.md §1.3 C21; DfE "Characteristics of children in need" table C3
--   (c3_factors_identified_at_end_of_assessment_2018_to_2025.csv): children in need episodes with
--   an assessment completed (authorised) in the period, by the factors identified at the end of
--   that assessment (CIN census item AssessmentFactors, SSD ssd_assessment_factors). An episode
--   (cina_referral_id) is counted once per factor however many of its assessments in the period
--   record it; 8B-8F together are privately fostered; 18A/19A (withdrawn in 2021) are the
--   perpetrator-unknown columns; 21 (no factors identified) is not a factor. af_episodes is DfE's
--   Episodes_with_assessment_factor: episodes with at least one factor of the list.
-- Numerator: distinct episodes. Denominator: none. value = numerator.
-- Time basis: flow by assessment authorisation date (cina_assessment_auth_date); an assessment
--   with no referral id is its own episode.
-- Exclusions: assessments not authorised, or authorised after the as-at date.
WITH factor_column (factor_code, measure_id) AS (
    VALUES
        ('1A', 'af_alcohol_misuse_child'),
        ('1B', 'af_alcohol_misuse_parent'),
        ('1C', 'af_alcohol_misuse_person'),
        ('2A', 'af_drug_misuse_child'),
        ('2B', 'af_drug_misuse_parent'),
        ('2C', 'af_drug_misuse_person'),
        ('3A', 'af_domestic_abuse_child'),
        ('3B', 'af_domestic_abuse_parent'),
        ('3C', 'af_domestic_abuse_person'),
        ('4A', 'af_mental_health_child'),
        ('4B', 'af_mental_health_parent'),
        ('4C', 'af_mental_health_person'),
        ('5A', 'af_learning_disability_child'),
        ('5B', 'af_learning_disability_parent'),
        ('5C', 'af_learning_disability_person'),
        ('6A', 'af_physical_disability_child'),
        ('6B', 'af_physical_disability_parent'),
        ('6C', 'af_physical_disability_person'),
        ('7A', 'af_young_carer'),
        ('8B', 'af_privately_fostered'),
        ('8C', 'af_privately_fostered'),
        ('8D', 'af_privately_fostered'),
        ('8E', 'af_privately_fostered'),
        ('8F', 'af_privately_fostered'),
        ('9A', 'af_unaccompanied_asylum_seeker'),
        ('10A', 'af_going_missing'),
        ('11A', 'af_child_sexual_exploitation'),
        ('12A', 'af_trafficking'),
        ('13A', 'af_gangs'),
        ('14A', 'af_socially_unacceptable_behaviour'),
        ('15A', 'af_self_harm'),
        ('16A', 'af_neglect'),
        ('17A', 'af_emotional_abuse'),
        ('18A', 'af_physical_abuse_unknown'),
        ('18B', 'af_physical_abuse_child_on_child'),
        ('18C', 'af_physical_abuse_adult_on_child'),
        ('19A', 'af_sexual_abuse_unknown'),
        ('19B', 'af_sexual_abuse_child_on_child'),
        ('19C', 'af_sexual_abuse_adult_on_child'),
        ('22A', 'af_female_genital_mutilation'),
        ('23A', 'af_faith_linked_abuse'),
        ('24A', 'af_child_criminal_exploitation'),
        ('20', 'af_other')
),
measure_ids (measure_id) AS (
    VALUES
        ('af_episodes'),
        ('af_alcohol_misuse_child'),
        ('af_alcohol_misuse_parent'),
        ('af_alcohol_misuse_person'),
        ('af_drug_misuse_child'),
        ('af_drug_misuse_parent'),
        ('af_drug_misuse_person'),
        ('af_domestic_abuse_child'),
        ('af_domestic_abuse_parent'),
        ('af_domestic_abuse_person'),
        ('af_mental_health_child'),
        ('af_mental_health_parent'),
        ('af_mental_health_person'),
        ('af_learning_disability_child'),
        ('af_learning_disability_parent'),
        ('af_learning_disability_person'),
        ('af_physical_disability_child'),
        ('af_physical_disability_parent'),
        ('af_physical_disability_person'),
        ('af_young_carer'),
        ('af_privately_fostered'),
        ('af_unaccompanied_asylum_seeker'),
        ('af_going_missing'),
        ('af_child_sexual_exploitation'),
        ('af_trafficking'),
        ('af_gangs'),
        ('af_socially_unacceptable_behaviour'),
        ('af_self_harm'),
        ('af_neglect'),
        ('af_emotional_abuse'),
        ('af_physical_abuse_unknown'),
        ('af_physical_abuse_child_on_child'),
        ('af_physical_abuse_adult_on_child'),
        ('af_sexual_abuse_unknown'),
        ('af_sexual_abuse_child_on_child'),
        ('af_sexual_abuse_adult_on_child'),
        ('af_female_genital_mutilation'),
        ('af_faith_linked_abuse'),
        ('af_child_criminal_exploitation'),
        ('af_other')
),
identified AS (
    SELECT d.period_type, d.period_start,
           coalesce(a.cina_referral_id, concat('assessment:', a.cina_assessment_id)) AS episode,
           m.measure_id
    FROM assessment a
    JOIN day_period d ON d.day = a.cina_assessment_auth_date
    JOIN assessment_factor_code c ON c.cinf_assessment_id = a.cina_assessment_id
    JOIN factor_column m ON m.factor_code = c.factor_code
),
-- Each factor's episodes, and the episodes with any factor, in each period: first one row per
-- distinct episode of each (a grouping set each; a CTE read twice is computed twice), then
-- counted. Not count(DISTINCT ...): its sets of episodes cannot spill under a memory limit.
episodes AS (
    SELECT period_type, period_start, measure_id, episode, grouping(measure_id) AS any_factor
    FROM identified
    GROUP BY GROUPING SETS ((period_type, period_start, measure_id, episode), (period_type, period_start, episode))
),
counted AS (
    SELECT period_type, period_start,
           CASE WHEN any_factor = 1 THEN 'af_episodes' ELSE measure_id END AS measure_id,
           count(*) AS episodes
    FROM episodes
    GROUP BY period_type, period_start, any_factor, measure_id
)
SELECT i.measure_id,
       p.period_type,
       p.period_start,
       p.period_end,
       coalesce(c.episodes, 0) AS numerator,
       CAST(NULL AS BIGINT) AS denominator,
       CAST(coalesce(c.episodes, 0) AS DOUBLE) AS value
FROM dim_period p
CROSS JOIN measure_ids i
LEFT JOIN counted c ON c.period_type = p.period_type AND c.period_start = p.period_start AND c.measure_id = i.measure_id
