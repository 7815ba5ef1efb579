{#
  The values of one run. A build passes them as environment variables (warehouse/build.py, build_env), not
  as --vars: dbt re-parses the whole project when the --vars change, which they did every day. They are read
  only at run time (`execute`), so they are no part of the parse either. `--vars` still wins where given
  (a hand run, a unit test's overrides).
#}

{# The date open dossiers are judged against (within deadline / overdue); default: the day the run started. #}
{% macro as_of_date() -%}
    {%- set given = var('as_of_date', none) or (env_var('CCHC_AS_OF_DATE', '') if execute else '') -%}
    {{- return(given or run_started_at.strftime('%Y-%m-%d')) -}}
{%- endmacro %}

{# Per incremental table, the newest watermark it held before this build (macro get_where_subquery). #}
{% macro changed_since() -%}
    {%- set given = var('changed_since', none) -%}
    {%- if given is none and execute -%}
        {%- set given = fromjson(env_var('CCHC_CHANGED_SINCE', '{}')) -%}
    {%- endif -%}
    {{- return(given or {}) -}}
{%- endmacro %}
