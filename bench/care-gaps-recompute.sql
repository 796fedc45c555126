-- Care gaps, full recompute as ONE ClickHouse query: the SQL baseline of
-- bench/care-gaps-recompute.bench.ts, run on chDB in the same run as the engine.
--
-- It computes what processors/gaps does for every person (attribution under both contracts,
-- then per measure: not in the denominator / excluded / open / closed) from the same facts, and
-- aggregates to counts per contract, measure and status. It is written by hand for
-- contracts/*.yaml as of 2026-11-25 (measurement period 2026): example-health-commercial 2026.2
-- (CMS122, CMS122-LT8, CMS124, CMS125, CMS130 45-75, CMS165, AWV) and example-mssp-aco 2026.1
-- (CMS122, CMS125, CMS130 46-75, CMS165). The bench checks those lists against the loaded
-- library before it runs this. Rules the engine has and this query leaves out are listed in
-- bench/RESULTS.md ("Care gaps: full recompute").
--
-- The file holds the tables (created and loaded by the bench), then the query after the marker
-- line. Inputs, one row per fact as processors/gaps/facts.ts extracts it (before the state's
-- de-duplication, so a corrected result and its final are both here):

CREATE TABLE facts
(
    person      UInt32,
    fid         String,                   -- the engine's fact id (same id = same fact)
    kind        LowCardinality(String),   -- code | result | visit | enrollment
    system      LowCardinality(String),
    code        LowCardinality(String),
    date        Date32,                   -- service / result date, enrollment start
    end         Nullable(Date32),         -- span end (hospice claim), enrollment term
    setting     LowCardinality(String),   -- ambulatory | emergency | inpatient | other | ''
    value       Nullable(Float64),        -- result value
    has_result  UInt8,                    -- result sent with a value or a text answer
    status      LowCardinality(String),   -- result status: final | corrected | preliminary | cancelled | other
    recorded_at Int64,                    -- results, enrollment: when recorded (later wins)
    npi         LowCardinality(String),   -- visits
    tin         LowCardinality(String),
    specialty   LowCardinality(String),
    amount      Float64,
    source_file LowCardinality(String),   -- enrollment: roster file
    pcp_npi     LowCardinality(String),
    pcp_tin     LowCardinality(String)
)
ENGINE = MergeTree
ORDER BY (person, kind);

CREATE TABLE demographics
(
    person      UInt32,
    fid         String,
    birth_date  Nullable(Date32),
    sex         LowCardinality(String),
    death_date  Nullable(Date32),
    recorded_at Int64
)
ENGINE = MergeTree
ORDER BY person;

-- The loaded value sets (contracts/value-sets, codes normalized as the engine indexes them).
CREATE TABLE value_sets
(
    vs     LowCardinality(String),
    system LowCardinality(String),
    code   String
)
ENGINE = MergeTree
ORDER BY (system, code);

-- ---- query ----
WITH
    toDate32('2026-01-01') AS mp_start,
    toDate32('2026-12-31') AS mp_end,
    toDate32('2026-11-25') AS as_of,
    ['123456789'] AS our_tins,
    ['1234567893', '1987654328', '1543210987', '1765432103'] AS our_npis,
    -- The qualifying-encounter value sets of CMS122/124/125/130/165.
    ['office-visit', 'preventive-care', 'home-healthcare', 'telephone-visit', 'online-assessment',
     'annual-wellness-visit'] AS encounter_sets,

-- Value sets of each (system, code).
vs AS
(
    SELECT system, code, groupArray(toString(vs)) AS sets
    FROM value_sets
    GROUP BY system, code
),

-- Coded facts known on the as-of date with their value sets. Results are de-duplicated by fact
-- id as the state does (a correction replaces its final: the later recorded wins); code facts are
-- used as they are: every rule that reads them asks for existence, distinct dates or the dates of
-- a setting, which duplicates do not change. Visit facts are not needed here: every one has a
-- code fact from the same claim line with the same code and date (they have their own scan below).
coded AS
(
    SELECT f.*, vs.sets AS sets,
           -- A span (hospice claim) counts when any of its days is in the window.
           if(f.kind = 'code' AND f.end IS NOT NULL, assumeNotNull(f.end), f.date) AS last,
           -- eCQM "final": only final or corrected results are evidence ...
           f.kind != 'result' OR f.status IN ('final', 'corrected') AS final,
           -- ... and "final with a result" where a criterion requires a result.
           f.kind != 'result' OR (f.status IN ('final', 'corrected') AND f.has_result = 1) AS usable
    FROM
    (
        SELECT person, fid, kind, system, code, date, end, setting, value, has_result, status
        FROM facts
        WHERE kind = 'code' AND date <= as_of
        UNION ALL
        SELECT person, fid, 'result' AS kind, t.1 AS system, t.2 AS code, t.3 AS date, NULL AS end, '' AS setting,
               t.4 AS value, t.5 AS has_result, t.6 AS status
        FROM
        (
            SELECT person, fid, argMax((system, code, date, value, has_result, status), recorded_at) AS t
            FROM facts
            WHERE kind = 'result'
            GROUP BY person, fid
        )
        WHERE t.3 <= as_of
    ) AS f
    LEFT JOIN vs ON f.system = vs.system AND f.code = vs.code
),

-- Demographics: records with the same fact id (every message of one EMR record) merge field by
-- field, the most recently recorded non-empty value winning, and carry the latest recording time;
-- then per field the most recently recorded non-empty value across records (ties: smallest id).
demo AS
(
    SELECT person,
           argMinIf(m_birth, (-recorded, fid), m_birth IS NOT NULL) AS birth,
           argMinIf(m_sex, (-recorded, fid), m_sex != '') AS demo_sex,
           argMinIf(m_death, (-recorded, fid), m_death IS NOT NULL) AS death
    FROM
    (
        SELECT person, fid, max(recorded_at) AS recorded,
               argMaxIf(birth_date, recorded_at, birth_date IS NOT NULL) AS m_birth,
               argMaxIf(sex, recorded_at, sex IN ('F', 'M')) AS m_sex,
               argMaxIf(death_date, recorded_at, death_date IS NOT NULL) AS m_death
        FROM demographics
        GROUP BY person, fid
    )
    GROUP BY person
),

-- Every person with any record (the engine evaluates each of them against both contracts).
persons AS
(
    SELECT DISTINCT person FROM (SELECT person FROM facts UNION ALL SELECT person FROM demographics)
),

-- Evidence flags per person: one pass over the coded facts. Windows as in contracts/measures.
ev AS
(
    SELECT person,
        -- Qualifying encounter in the period (denominator of CMS122/124/125/130/165).
        max(hasAny(sets, encounter_sets) AND date <= mp_end AND last >= mp_start AND final) AS enc_mp,
        -- CMS122: diabetes any time up to the period end. CMS165: hypertension before July.
        max(has(sets, 'diabetes') AND date <= mp_end AND final) AS diabetes,
        max(has(sets, 'essential-hypertension') AND date <= mp_start + INTERVAL 6 MONTH - 1 AND final) AS hypertension,
        -- Shared exclusions (contracts/measures/exclusions.yaml).
        max(hasAny(sets, ['hospice-encounter', 'hospice-claim']) AND date <= mp_end AND last >= mp_start AND final) AS hospice,
        max(has(sets, 'palliative-care') AND date <= mp_end AND last >= mp_start AND final) AS palliative,
        max(has(sets, 'frailty') AND date <= mp_end AND last >= mp_start AND final) AS frailty,
        max(has(sets, 'advanced-illness') AND date <= mp_end AND last >= mp_start - INTERVAL 1 YEAR AND final) AS advanced_illness,
        uniqExactIf(date, has(sets, 'long-term-care') AND date <= mp_end AND last >= mp_start AND final) AS ltc_dates,
        -- CMS125: bilateral mastectomy (or left and right) ever; mammography from Oct 1 two years before.
        max(has(sets, 'bilateral-mastectomy') AND date <= mp_end AND final) AS mastectomy_bilateral,
        max(has(sets, 'mastectomy-left') AND date <= mp_end AND final) AS mastectomy_left,
        max(has(sets, 'mastectomy-right') AND date <= mp_end AND final) AS mastectomy_right,
        max(has(sets, 'mammography') AND date <= mp_end AND last >= mp_start - INTERVAL 15 MONTH AND final) AS mammography,
        -- CMS130: colorectal cancer or total colectomy ever; screenings with their look-backs.
        max(has(sets, 'colorectal-cancer') AND date <= mp_end AND final) AS colorectal_cancer,
        max(has(sets, 'total-colectomy') AND date <= mp_end AND final) AS colectomy,
        max(has(sets, 'colonoscopy') AND date <= mp_end AND last >= mp_start - INTERVAL 9 YEAR AND final) AS colonoscopy,
        max(has(sets, 'flexible-sigmoidoscopy') AND date <= mp_end AND last >= mp_start - INTERVAL 4 YEAR AND final) AS sigmoidoscopy,
        max(has(sets, 'ct-colonography') AND date <= mp_end AND last >= mp_start - INTERVAL 4 YEAR AND final) AS ct_colonography,
        max(has(sets, 'sdna-fit') AND date <= mp_end AND last >= mp_start - INTERVAL 2 YEAR AND usable) AS sdna_fit,
        max(has(sets, 'fobt') AND date <= mp_end AND last >= mp_start AND usable) AS fobt,
        -- CMS165: ESRD ever, pregnancy in the period.
        max(has(sets, 'esrd-dialysis') AND date <= mp_end AND final) AS esrd,
        max(has(sets, 'pregnancy') AND date <= mp_end AND last >= mp_start AND final) AS pregnancy,
        -- CMS124: hysterectomy without cervix ever; cytology 3 years; hrHPV 5 years (age 30+ at
        -- the test: the dates are kept and checked against the birth date below).
        max(has(sets, 'hysterectomy-no-cervix') AND date <= mp_end AND final) AS hysterectomy,
        max(has(sets, 'cervical-cytology') AND date <= mp_end AND last >= mp_start - INTERVAL 2 YEAR AND usable) AS cytology,
        groupArrayIf(date, has(sets, 'hpv-test') AND date <= mp_end AND last >= mp_start - INTERVAL 4 YEAR AND usable) AS hpv_dates,
        -- AWV: an annual wellness visit in the period.
        max(has(sets, 'annual-wellness-visit') AND date <= mp_end AND last >= mp_start AND final) AS awv,
        -- CMS122 / CMS122-LT8: HbA1c readings of the period: final/corrected lab results (value
        -- empty when not numeric) and CPT II codes at their representative value.
        groupArrayIf((date, if(kind = 'result', value,
                               toNullable(transform(toString(code), ['3044F', '3051F', '3052F', '3046F'], [6.5, 7.5, 8.5, 9.5], 0.)))),
                     hasAny(sets, ['hba1c-lab', 'hba1c-cpt2']) AND date <= mp_end AND last >= mp_start
                     AND if(kind = 'result', final, code IN ('3044F', '3051F', '3052F', '3046F'))) AS a1c,
        -- CMS165: readings of the period (results with a value; CPT II codes at their representative
        -- value) and the days with an ED or inpatient encounter, whose readings do not count.
        groupArrayIf((date, if(kind = 'result', assumeNotNull(value),
                                transform(toString(code), ['3074F', '3075F', '3077F'], [125., 135., 145.], 0.))),
                     has(sets, 'systolic-bp') AND date >= mp_start AND date <= mp_end
                     AND if(kind = 'result', usable AND value IS NOT NULL, code IN ('3074F', '3075F', '3077F'))) AS systolic,
        groupArrayIf((date, if(kind = 'result', assumeNotNull(value),
                                transform(toString(code), ['3078F', '3079F', '3080F'], [75., 85., 95.], 0.))),
                     has(sets, 'diastolic-bp') AND date >= mp_start AND date <= mp_end
                     AND if(kind = 'result', usable AND value IS NOT NULL, code IN ('3078F', '3079F', '3080F'))) AS diastolic,
        -- (every day of a stay, admit through discharge, up to the as-of date).
        groupUniqArrayArrayIf(arrayMap(i -> date + i, range(toUInt32(greatest(0, dateDiff('day', date, least(ifNull(end, date), as_of))) + 1))),
                              kind = 'code' AND setting IN ('emergency', 'inpatient')) AS acute_days
    FROM coded
    GROUP BY person
),

-- Roster lines of the commercial contract (file name ^EXH_ROSTER_): the PCP assignment and the
-- continuous enrollment of the period.
roster AS
(
    SELECT person,
        -- Prospective: among lines naming a PCP that overlap the period up to the as-of date, the
        -- line active on the period start first, then the latest received, the latest start, the id.
        countIf(pcp_npi != '' AND date <= least(as_of, mp_end) AND (end IS NULL OR end >= mp_start)) > 0 AS on_roster,
        argMinIf((pcp_npi, pcp_tin),
                 (-toInt8(date <= mp_start AND (end IS NULL OR end >= mp_start)), -recorded_at, -toInt32(date), fid),
                 pcp_npi != '' AND date <= least(as_of, mp_end) AND (end IS NULL OR end >= mp_start)) AS pcp,
        -- HEDIS-style continuous enrollment over the period: spans clipped to it and sorted, at
        -- most one gap, none longer than 45 days, covered on the last day.
        arrayFold((acc, s) -> (greatest(acc.1, s.2),
                               acc.2 + toInt64(dateDiff('day', acc.1, s.1) - 1 > 0),
                               greatest(acc.3, toInt64(dateDiff('day', acc.1, s.1) - 1))),
                  arraySort(groupArrayIf((greatest(date, mp_start), least(ifNull(end, mp_end), mp_end)),
                                         date <= mp_end AND (end IS NULL OR end >= mp_start))),
                  (mp_start - 1, toInt64(0), toInt64(0))) AS cover,
        cover.1 = mp_end AND cover.2 <= 1 AND cover.3 <= 45 AS enrolled
    FROM facts
    WHERE kind = 'enrollment' AND match(source_file, '^EXH_ROSTER_')
    GROUP BY person
),

-- Claims attribution: qualifying primary care services (value set primary-care-services), the
-- visit facts de-duplicated by fact id (a claim line sent twice is one service).
visits AS
(
    SELECT person, t.1 AS date, t.2 AS npi, t.3 AS tin, t.4 AS specialty, t.5 AS amount,
           if(tin != '', concat('tin:', tin), concat('npi:', npi)) AS grp
    FROM
    (
        SELECT person, fid, argMax((date, npi, tin, specialty, amount, system, code), recorded_at) AS t
        FROM facts
        WHERE kind = 'visit'
        GROUP BY person, fid
    )
    WHERE t.1 <= as_of
      AND (t.6, t.7) IN (SELECT system, code FROM value_sets WHERE vs = 'primary-care-services')
),

-- Commercial fallback (members not on the roster): plurality of VISITS in the 12 months before
-- the period, primary care specialties and taxonomies only (one step).
com_clinician AS
(
    SELECT person, grp, npi, any(tin) AS c_tin, count() AS c_units, sum(amount) AS c_amount, max(date) AS c_last
    FROM visits
    WHERE date >= mp_start - INTERVAL 12 MONTH AND date <= mp_start - 1
      AND specialty IN ('01', '08', '11', '37', '38', '50', '97', '208D00000X', '207Q00000X', '207QA0505X',
                        '207QG0300X', '207R00000X', '207RG0300X', '208000000X', '363LF0000X', '363LP2300X',
                        '363LA2200X', '363A00000X', '363AM0700X')
    GROUP BY person, grp, npi
),
-- Groups pooled by billing TIN (an NPI without one is its own group); in each, its best
-- clinician: more units, then most recent visit, more amount, smaller NPI.
com_group AS
(
    SELECT person, grp, any(c_tin) AS g_tin, sum(c_units) AS g_units, sum(c_amount) AS g_amount,
           max(c_last) AS g_last, min(npi) AS g_npi,
           arraySort(c -> (-c.2, -toInt32(c.3), -c.4, c.1), groupArray((npi, c_units, c_last, c_amount)))[1].1 AS clinician
    FROM com_clinician
    GROUP BY person, grp
),
-- The winning group: more units, then the tie-break chain (most recent, amount, NPI), then the key.
com_claims AS
(
    SELECT person, argMin((g_tin, clinician), (-g_units, -toInt32(g_last), -g_amount, g_npi, grp)) AS w
    FROM com_group
    GROUP BY person
),

-- MSSP: plurality of ALLOWED CHARGES in the period (retrospective), step 1 primary care
-- physicians (CMS specialty 01, 08, 11, 38), step 2 everyone: the first step with a service decides.
mssp_clinician AS
(
    SELECT person, step, grp, npi, any(tin) AS c_tin, sum(amount) AS c_units, sum(amount) AS c_amount,
           max(date) AS c_last
    FROM visits
    ARRAY JOIN if(specialty IN ('01', '08', '11', '38'), [1, 2], [2]) AS step
    WHERE date >= mp_start AND date <= mp_end
    GROUP BY person, step, grp, npi
),
mssp_group AS
(
    SELECT person, step, grp, any(c_tin) AS g_tin, sum(c_units) AS g_units, sum(c_amount) AS g_amount,
           max(c_last) AS g_last, min(npi) AS g_npi,
           arraySort(c -> (-c.2, -toInt32(c.3), -c.4, c.1), groupArray((npi, c_units, c_last, c_amount)))[1].1 AS clinician
    FROM mssp_clinician
    GROUP BY person, step, grp
),
mssp_claims AS
(
    SELECT person, argMin((g_tin, clinician), (step, -g_units, -toInt32(g_last), -g_amount, g_npi, grp)) AS w
    FROM mssp_group
    GROUP BY person
),

-- One row per person with everything the measures need.
p AS
(
    SELECT persons.person AS person,
        demo.birth IS NOT NULL AS has_birth,
        -- Age in whole years at the period end (a Feb 29 birthday falls on Mar 1 in other years).
        toYear(mp_end) - toYear(assumeNotNull(demo.birth))
          - toInt32((toMonth(mp_end), toDayOfMonth(mp_end)) <
                    if(toMonth(assumeNotNull(demo.birth)) = 2 AND toDayOfMonth(assumeNotNull(demo.birth)) = 29
                         AND NOT (toYear(mp_end) % 4 = 0 AND (toYear(mp_end) % 100 != 0 OR toYear(mp_end) % 400 = 0)),
                       (3, 1), (toMonth(assumeNotNull(demo.birth)), toDayOfMonth(assumeNotNull(demo.birth))))) AS age,
        demo.demo_sex AS sex,
        demo.death IS NOT NULL AND assumeNotNull(demo.death) <= mp_end AS deceased,
        ev.* EXCEPT (person),
        -- CMS122: the most recent day with a reading decides, and on that day the lowest reading; a
        -- reading without a numeric value on that day makes the result missing (NULL).
        arrayMax(arrayMap(r -> r.1, ev.a1c)) AS a1c_date,
        arrayFilter(r -> r.1 = a1c_date, ev.a1c) AS a1c_day,
        length(a1c_day) > 0 AS a1c_any,
        if(arrayExists(r -> r.2 IS NULL, a1c_day), NULL, arrayMin(arrayMap(r -> assumeNotNull(r.2), a1c_day))) AS a1c_latest,
        -- hrHPV counts from age 30 at the test.
        arrayExists(d -> toYear(d) - toYear(assumeNotNull(demo.birth))
                         - toInt32((toMonth(d), toDayOfMonth(d)) <
                                   if(toMonth(assumeNotNull(demo.birth)) = 2 AND toDayOfMonth(assumeNotNull(demo.birth)) = 29
                                        AND NOT (toYear(d) % 4 = 0 AND (toYear(d) % 100 != 0 OR toYear(d) % 400 = 0)),
                                      (3, 1), (toMonth(assumeNotNull(demo.birth)), toDayOfMonth(assumeNotNull(demo.birth))))) >= 30,
                    ev.hpv_dates) AS hpv_30,
        -- CMS165: the most recent day with both readings (none on an ED/inpatient day) decides:
        -- controlled when the lowest systolic is below 140 and the lowest diastolic below 90.
        arrayFilter(r -> NOT has(ev.acute_days, r.1), ev.systolic) AS sys_ok,
        arrayFilter(r -> NOT has(ev.acute_days, r.1), ev.diastolic) AS dia_ok,
        arrayIntersect(arrayMap(r -> r.1, sys_ok), arrayMap(r -> r.1, dia_ok)) AS bp_days,
        length(bp_days) > 0
          AND arrayMin(arrayMap(r -> r.2, arrayFilter(r -> r.1 = arrayMax(bp_days), sys_ok))) < 140
          AND arrayMin(arrayMap(r -> r.2, arrayFilter(r -> r.1 = arrayMax(bp_days), dia_ok))) < 90 AS bp_controlled,
        roster.enrolled AS enrolled,
        -- Attribution. Commercial: the roster line wins; else claims; ours when the PCP's TIN or NPI is.
        if(roster.on_roster,
           has(our_tins, tupleElement(roster.pcp, 2)) OR has(our_npis, tupleElement(roster.pcp, 1)),
           com_claims.person != 0
             AND (has(our_tins, tupleElement(com_claims.w, 1)) OR has(our_npis, tupleElement(com_claims.w, 2)))) AS com_attributed,
        mssp_claims.person != 0
          AND (has(our_tins, tupleElement(mssp_claims.w, 1)) OR has(our_npis, tupleElement(mssp_claims.w, 2))) AS mssp_attributed
    FROM persons
    LEFT JOIN demo ON demo.person = persons.person
    LEFT JOIN ev ON ev.person = persons.person
    LEFT JOIN roster ON roster.person = persons.person
    LEFT JOIN com_claims ON com_claims.person = persons.person
    LEFT JOIN mssp_claims ON mssp_claims.person = persons.person
),

-- Per measure: population (denominator before enrollment), exclusions, gap open.
m AS
(
    SELECT person, com_attributed, mssp_attributed, enrolled,
        -- Shared exclusions.
        age >= 66 AND frailty AND advanced_illness AS ai_frailty_66,
        (age BETWEEN 66 AND 80 AND frailty AND advanced_illness) OR (age >= 81 AND frailty) AS ai_frailty_cbp,
        age >= 66 AND ltc_dates >= 2 AS ltc_66,

        -- CMS122 (inverse: the gap is open when the latest HbA1c is > 9 %, has no value, or is
        -- missing) and CMS122-LT8 (open unless the latest HbA1c is < 8 %): diabetics 18-75 with
        -- an encounter in the period.
        has_birth AND age BETWEEN 18 AND 75 AND diabetes AND enc_mp AS cms122_pop,
        hospice OR ai_frailty_66 OR ltc_66 OR palliative OR deceased AS cms122_excl,
        NOT a1c_any OR a1c_latest IS NULL OR assumeNotNull(a1c_latest) > 9 AS cms122_open,
        NOT (a1c_any AND a1c_latest IS NOT NULL AND assumeNotNull(a1c_latest) < 8) AS lt8_open,

        -- CMS124 cervical cancer screening: women 24-64 with an encounter.
        has_birth AND sex = 'F' AND age BETWEEN 24 AND 64 AND enc_mp AS cms124_pop,
        hospice OR hysterectomy OR palliative OR deceased AS cms124_excl,
        NOT (cytology OR hpv_30) AS cms124_open,

        -- CMS125 breast cancer screening: women 52-74 with an encounter.
        has_birth AND sex = 'F' AND age BETWEEN 52 AND 74 AND enc_mp AS cms125_pop,
        hospice OR mastectomy_bilateral OR (mastectomy_left AND mastectomy_right) OR ai_frailty_66 OR ltc_66
          OR palliative OR deceased AS cms125_excl,
        NOT mammography AS cms125_open,

        -- CMS130 colorectal cancer screening: 45-75 (commercial 2026.2 override) or 46-75 (MSSP).
        has_birth AND age BETWEEN 45 AND 75 AND enc_mp AS cms130_pop_45,
        has_birth AND age BETWEEN 46 AND 75 AND enc_mp AS cms130_pop_46,
        hospice OR colorectal_cancer OR colectomy OR ai_frailty_66 OR ltc_66 OR palliative OR deceased AS cms130_excl,
        NOT (colonoscopy OR sigmoidoscopy OR ct_colonography OR sdna_fit OR fobt) AS cms130_open,

        -- CMS165 controlling high blood pressure: 18-85, hypertension before July, an encounter.
        has_birth AND age BETWEEN 18 AND 85 AND hypertension AND enc_mp AS cms165_pop,
        hospice OR esrd OR pregnancy OR ai_frailty_cbp OR ltc_66 OR palliative OR deceased AS cms165_excl,
        NOT bp_controlled AS cms165_open,

        -- AWV: 18 and older (commercial 2026.2).
        has_birth AND age BETWEEN 18 AND 130 AS awv_pop,
        hospice OR deceased AS awv_excl,
        NOT awv AS awv_open
    FROM p
),

-- One row per person, contract and measure: (contract, measure, attributed, in denominator,
-- excluded, gap open). The commercial contract requires continuous enrollment, MSSP does not.
-- Two more rows per person count attribution (measure ATTRIBUTION).
status AS
(
    SELECT x.1 AS contract, x.2 AS measure,
           if(x.2 = 'ATTRIBUTION', if(x.3, 'attributed', 'not-attributed'),
              multiIf(NOT x.3 OR NOT x.4, 'not-in-denominator', x.5, 'excluded', x.6, 'open', 'closed')) AS status
    FROM m
    ARRAY JOIN [
        ('example-health-commercial', 'ATTRIBUTION', com_attributed, true,                   false,       false),
        ('example-health-commercial', 'CMS122',     com_attributed, cms122_pop AND enrolled,    cms122_excl, cms122_open),
        ('example-health-commercial', 'CMS122-LT8', com_attributed, cms122_pop AND enrolled,    cms122_excl, lt8_open),
        ('example-health-commercial', 'CMS124',     com_attributed, cms124_pop AND enrolled,    cms124_excl, cms124_open),
        ('example-health-commercial', 'CMS125',     com_attributed, cms125_pop AND enrolled,    cms125_excl, cms125_open),
        ('example-health-commercial', 'CMS130',     com_attributed, cms130_pop_45 AND enrolled, cms130_excl, cms130_open),
        ('example-health-commercial', 'CMS165',     com_attributed, cms165_pop AND enrolled,    cms165_excl, cms165_open),
        ('example-health-commercial', 'AWV',        com_attributed, awv_pop AND enrolled,       awv_excl,    awv_open),
        ('example-mssp-aco',          'ATTRIBUTION', mssp_attributed, true,          false,       false),
        ('example-mssp-aco',          'CMS122',     mssp_attributed, cms122_pop,    cms122_excl, cms122_open),
        ('example-mssp-aco',          'CMS125',     mssp_attributed, cms125_pop,    cms125_excl, cms125_open),
        ('example-mssp-aco',          'CMS130',     mssp_attributed, cms130_pop_46, cms130_excl, cms130_open),
        ('example-mssp-aco',          'CMS165',     mssp_attributed, cms165_pop,    cms165_excl, cms165_open)
    ] AS x
)

SELECT contract, measure, status, count() AS n
FROM status
GROUP BY contract, measure, status
ORDER BY contract, measure, status
