-- How does each ward compare with the borough?
-- Sefton Understood's ward Area Profiles (seed 001) set a ward's figure beside Sefton's. Each
-- ward value is matched with the borough's value for the same indicator, period and value
-- type, and with its area committee's where one is held.
--
-- No ward-level dataset has been shared yet: the National Indicator scorecards are for the
-- borough only, so this returns no rows until a partner's ward datasets are loaded.
with

areas as (
    select area_code, area_name, area_type, parent_area_code from marts.dim_area
),

ward_values as (
    select
        indicator_values.*,
        areas.parent_area_code as area_committee_code
    from marts.indicator_values
    inner join areas on indicator_values.area_code = areas.area_code
    where indicator_values.area_type = 'ward'
),

borough_values as (
    select * from marts.indicator_values
    where area_code = 'E08000014'  -- Sefton
),

committee_values as (
    select * from marts.indicator_values
    where area_type = 'area_committee'
)

select
    ward_values.indicator_code,
    ward_values.indicator_title,
    ward_values.period_label,
    ward_values.value_type,
    ward_values.area_name as ward,
    ward_values.value as ward_value,
    committee_values.area_name as area_committee,
    committee_values.value as area_committee_value,
    borough_values.value as sefton_value,
    round(ward_values.value - borough_values.value, 2) as difference_from_sefton,
    ward_values.polarity
from ward_values
inner join borough_values
    on ward_values.indicator_id = borough_values.indicator_id
    and ward_values.period_id = borough_values.period_id
    and ward_values.value_type = borough_values.value_type
left join committee_values
    on ward_values.area_committee_code = committee_values.area_code
    and ward_values.indicator_id = committee_values.indicator_id
    and ward_values.period_id = committee_values.period_id
    and ward_values.value_type = committee_values.value_type
order by ward_values.indicator_code, ward_values.period_label, ward_values.area_name;
