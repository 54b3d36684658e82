-- The figures "as known on date D" (macro indicator_values_as_known_at) are the ones received by
-- D and not yet revised: NI 166's 2008/09 median earnings, first published as 425.9 and revised
-- to 424.3 in a later submission (seed 002, section 14), read 425.9 on a date between the two
-- submissions, 424.3 after the second, and nothing before the first. Returns the dates whose
-- answer is wrong.

with

revisions as (

    select
        'NI 166' as indicator_code,
        'FY2008-09' as period_id,
        425.9 as value,
        cast('2010-02-15 10:00:00' as timestamp) as received_at,
        cast('2010-05-20 10:00:00' as timestamp) as superseded_at
    union all
    select
        'NI 166' as indicator_code,
        'FY2008-09' as period_id,
        424.3 as value,
        cast('2010-05-20 10:00:00' as timestamp) as received_at,
        cast(null as timestamp) as superseded_at

),

known_before_first as (

    {{ indicator_values_as_known_at("cast('2010-01-01' as timestamp)", 'revisions') }}

),

known_between as (

    {{ indicator_values_as_known_at("cast('2010-04-01' as timestamp)", 'revisions') }}

),

known_at_revision as (

    {{ indicator_values_as_known_at("cast('2010-05-20 10:00:00' as timestamp)", 'revisions') }}

),

known_after as (

    {{ indicator_values_as_known_at("cast('2010-08-04' as timestamp)", 'revisions') }}

),

answers as (

    select
        'before the first submission' as as_known_on,
        count(*) as row_count,
        max(value) as value,
        cast(null as double) as expected_value,
        0 as expected_row_count
    from known_before_first
    union all
    select
        'between the two submissions' as as_known_on,
        count(*) as row_count,
        max(value) as value,
        425.9 as expected_value,
        1 as expected_row_count
    from known_between
    union all
    select
        'the moment the revision arrived' as as_known_on,
        count(*) as row_count,
        max(value) as value,
        424.3 as expected_value,
        1 as expected_row_count
    from known_at_revision
    union all
    select
        'after the revision' as as_known_on,
        count(*) as row_count,
        max(value) as value,
        424.3 as expected_value,
        1 as expected_row_count
    from known_after

),

final as (

    select *
    from answers
    where
        row_count != expected_row_count
        or coalesce(value, -1) != coalesce(expected_value, -1)

)

select * from final
