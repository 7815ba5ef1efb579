{# The ward vendor's string statuses as the national 1–10 codes (null for an unknown status). #}
{% macro ward_status_code(column) -%}
    case {{ column }}
        when 'new' then 1 when 'received' then 2 when 'rejected' then 3 when 'processing' then 4
        when 'supplement_requested' then 5 when 'financial_obligation' then 6 when 'withdrawn' then 7
        when 'stopped' then 8 when 'processed' then 9 when 'returned' then 10
    end
{%- endmacro %}
