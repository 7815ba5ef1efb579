{#
  Staging reads the landing zone through sources (models/staging/<system>/_<system>__sources.yml), whose
  external_location follows the one layout definition, cchc/landing_layout.py (docs/landing-zone.md).
#}

{#
  The latest version of each record of `relation`: per `key` (a column or a list), the row with the
  greatest `cursor`, a later batch winning a tie. Records are re-sent whole when they change, so the
  latest version is the record (docs/landing-zone.md). For a child entity of a kept parent version the
  cursor is the page: a child re-read on a later page of the same batch is the same child.
#}
{% macro latest_version(relation, key, cursor) -%}
    {%- set keys = [key] if key is string else key -%}
    select * from {{ relation }}
    qualify row_number() over (partition by {{ keys | join(', ') }} order by {{ cursor }} desc, _batch_id desc) = 1
{%- endmacro %}

{#
  The rows of a child entity (steps, supplements, letters, signatures) that belong to the kept version of
  their parent: a later version of the parent replaces its whole list, so older lists are dropped.
#}
{% macro of_kept_version(child, parent, child_key, parent_key) -%}
    select c.* from {{ child }} as c
    inner join (select {{ parent_key }} as parent_key, batch_id, cursor_raw from {{ parent }}) as p
        on c.{{ child_key }} = p.parent_key and c._batch_id = p.batch_id and c._parent_cursor = p.cursor_raw
{%- endmacro %}

{#
  Before a build: every source a selected model reads must have landed at least one batch, else stop with an error
  naming the entity and the glob (read_parquet's own error would not say what to do).
  The glob is read back from the source's rendered external_location, so it is not spelt a second time.
#}
{% macro assert_sources_landed() -%}
    {%- if execute -%}
        {%- set read = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.unique_id in selected_resources -%}
            {%- for upstream in node.depends_on.nodes if upstream.startswith('source.') -%}
                {%- if upstream not in read -%}{%- do read.append(upstream) -%}{%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for unique_id in read -%}
            {%- set s = graph.sources[unique_id] -%}
            {%- set glob = source(s.source_name, s.name).render().split("'")[1] -%}
            {%- set found = run_query("select count(*) from glob('" ~ glob ~ "')").columns[0].values()[0] -%}
            {%- if found == 0 -%}
                {{ exceptions.raise_compiler_error("no landed batch for " ~ s.source_name ~ "/" ~ s.name ~ " under " ~ glob ~ ": run the extractors first") }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro vn_compact_ts(column) -%}
    try_strptime({{ column }}, '%Y%m%d%H%M%S')
{%- endmacro %}

{# ISO-8601 with +07:00 → Vietnam local timestamp (naive). #}
{% macro vn_iso_ts(column) -%}
    (try_cast({{ column }} as timestamptz) at time zone 'Asia/Ho_Chi_Minh')
{%- endmacro %}
