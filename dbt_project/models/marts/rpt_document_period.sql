-- E-documents, signatures and certificates per unit and standard period (joins null-safe: a unit may have no
-- known parent). signatures_* count the verified
-- signatures of the outgoing documents; legally_valid_electronic the outgoing e-documents with a valid
-- personal AND organisation signature (Decree 30/2020 art. 5), as verified by the warehouse.
-- incoming_*: documents the unit's agencies received, electronically or on paper (both directions of the
-- exchange); signed_by_unit_head: outgoing e-documents personally signed by the agency's head (fct_document).
{%- set grain_columns = ['unit_code', 'parent_unit_code', 'period_type', 'period_start', 'period_end'] %}
with

certificates as (select * from {{ ref('dim_certificate') }}),

periods as (select * from {{ ref('int_report_periods') }}),

-- months first, as macro ii06a_counts: every standard period starts on the first day of a month and ends
-- on the last day of one (int_report_periods), so a document counts in the periods that hold its month.
-- Documents are counted once per (unit, direction, month) and each period adds up its months: the same
-- figures as joining every document to every period, over far fewer rows.
document_months as (
    select unit_code, parent_unit_code, direction, date_trunc('month', issued_date)::date as issued_month,
        count(*) as total,
        count(*) filter (where is_electronic) as electronic,
        count(*) filter (where not is_electronic) as paper,
        count(*) filter (where sent_via_axis) as exchanged_via_axis,
        count(*) filter (where is_electronic and has_personal_signature) as signed_personal,
        count(*) filter (where is_electronic and has_organisation_signature) as signed_organisation,
        count(*) filter (where is_electronic and is_fully_signed) as signed_personal_and_organisation,
        count(*) filter (where is_electronic and signed_by_unit_head) as signed_by_unit_head,
        sum(valid_signature_count) as signatures_valid,
        sum(invalid_signature_count) as signatures_invalid,
        count(*) filter (where legally_complete) as legally_valid_electronic
    from {{ ref('fct_document') }}
    where issued_date is not null
    group by all
),

{%- set month_figures = ['total', 'electronic', 'paper', 'exchanged_via_axis', 'signed_personal',
                         'signed_organisation', 'signed_personal_and_organisation', 'signed_by_unit_head',
                         'signatures_valid', 'signatures_invalid', 'legally_valid_electronic'] %}

document_figures as (
    select m.unit_code, m.parent_unit_code, m.direction, p.period_type, p.period_start, p.period_end,
        {% for figure in month_figures %}sum(m.{{ figure }})::bigint as {{ figure }}{{ ',' if not loop.last }}
        {% endfor %}
    from document_months as m
    inner join periods as p on m.issued_month between p.period_start and p.period_end
    group by all
),

outgoing_figures as (
    select unit_code, parent_unit_code, period_type, period_start, period_end,
        total as outgoing_total, electronic as outgoing_electronic, paper as outgoing_paper,
        exchanged_via_axis, signed_personal, signed_organisation, signed_personal_and_organisation,
        signed_by_unit_head, signatures_valid, signatures_invalid, legally_valid_electronic
    from document_figures where direction = 'outgoing'
),

incoming_figures as (
    select unit_code, parent_unit_code, period_type, period_start, period_end,
        electronic as incoming_electronic, paper as incoming_paper
    from document_figures where direction = 'incoming'
),

issued as (
    select c.unit_code, c.parent_unit_code, p.period_type, p.period_start, p.period_end,
        count(*) filter (where subject_type = 'individual') as certificates_issued_personal,
        count(*) filter (where subject_type = 'organisation') as certificates_issued_organisation
    from certificates as c
    inner join periods as p on c.issued_at::date between p.period_start and p.period_end
    group by all
),

revoked as (
    select c.unit_code, c.parent_unit_code, p.period_type, p.period_start, p.period_end,
        count(*) as certificates_revoked
    from certificates as c
    inner join periods as p on c.revoked_at::date between p.period_start and p.period_end
    group by all
),

grain as (
    select unit_code, parent_unit_code, period_type, period_start, period_end from outgoing_figures
    union select unit_code, parent_unit_code, period_type, period_start, period_end from incoming_figures
    union select unit_code, parent_unit_code, period_type, period_start, period_end from issued
    union select unit_code, parent_unit_code, period_type, period_start, period_end from revoked
),

final as (
    select
        g.unit_code, g.parent_unit_code, g.period_type, g.period_start, g.period_end,
        coalesce(d.outgoing_total, 0) as outgoing_total,
        coalesce(d.outgoing_electronic, 0) as outgoing_electronic,
        coalesce(d.outgoing_paper, 0) as outgoing_paper,
        coalesce(d.exchanged_via_axis, 0) as exchanged_via_axis,
        coalesce(d.signed_personal, 0) as signed_personal,
        coalesce(d.signed_organisation, 0) as signed_organisation,
        coalesce(d.signed_personal_and_organisation, 0) as signed_personal_and_organisation,
        coalesce(d.signed_by_unit_head, 0) as signed_by_unit_head,
        coalesce(n.incoming_electronic, 0) as incoming_electronic,
        coalesce(n.incoming_paper, 0) as incoming_paper,
        d.outgoing_electronic / nullif(d.outgoing_total, 0) as e_document_rate,
        d.signed_personal_and_organisation / nullif(d.outgoing_electronic, 0) as fully_signed_rate,
        coalesce(d.signatures_valid, 0) as signatures_valid,
        coalesce(d.signatures_invalid, 0) as signatures_invalid,
        coalesce(d.legally_valid_electronic, 0) as legally_valid_electronic,
        d.signatures_valid / nullif(d.signatures_valid + d.signatures_invalid, 0) as signature_valid_rate,
        d.legally_valid_electronic / nullif(d.outgoing_electronic, 0) as legally_valid_rate,
        coalesce(i.certificates_issued_personal, 0) as certificates_issued_personal,
        coalesce(i.certificates_issued_organisation, 0) as certificates_issued_organisation,
        coalesce(r.certificates_revoked, 0) as certificates_revoked
    from grain as g
    left join outgoing_figures as d on {{ _same_grain('g', 'd', grain_columns) }}
    left join incoming_figures as n on {{ _same_grain('g', 'n', grain_columns) }}
    left join issued as i on {{ _same_grain('g', 'i', grain_columns) }}
    left join revoked as r on {{ _same_grain('g', 'r', grain_columns) }}
)

select * from final
