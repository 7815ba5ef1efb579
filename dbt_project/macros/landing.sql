{#
  Staging reads the landing zone through sources (models/staging/<system>/_<system>__sources.yml), whose
  external_location follows the one layout definition, cchc/landing_layout.py (docs/landing-zone.md).
#}

{#
  The latest version of each record of `relation`: per `key` (a column or a list), the row with the
  greatest `cursor`, a later batch winning a tie. Records are re-sent whole when they change, so the
  latest version is the record (docs/landing-zone.md). For a child entity of a kept parent version the
  cursor is the page: a child re-read on a later page of the same batch is the same child. Only keys
  seen more than once are ranked.
  In an incremental run of the calling model only rows extracted after the newest row it holds are read
  (`extracted_after_held`); `unless_held` then drops a new row that an already held version beats.
#}
{% macro latest_version(relation, key, cursor) -%}
    {%- set keys = [key] if key is string else key -%}
    {%- set same_key = [] -%}
    {%- for k in keys %}{% do same_key.append('r.' ~ k ~ ' is not distinct from v.' ~ k) %}{% endfor -%}
    {#- A full build reads the whole landing zone here. Not materialized: each of the three uses scans only
        the columns it needs from the Parquet parts, instead of DuckDB holding (or spilling) a copy of every
        row. An incremental run reads only the new rows, which are cheaper kept than read three times. #}
    with versions as {% if not is_incremental() %}not materialized {% endif %}(
        select * from {{ relation }}
        {%- if is_incremental() and relation is not string %}
        where {{ extracted_after_held() }}
        {%- endif %}
    ),
    -- most records have one version: only the repeated keys are ranked (a window over every row is
    -- what made the full build slow and spill, issue 19)
    repeated as (
        select {{ keys | join(', ') }} from versions group by all having count(*) > 1
    )
    select * from versions as v
    where not exists (select 1 from repeated as r where {{ same_key | join(' and ') }})
    union all
    select * from (
        select * from versions as v
        where exists (select 1 from repeated as r where {{ same_key | join(' and ') }})
    )
    qualify row_number() over (partition by {{ keys | join(', ') }} order by {{ cursor }} desc, _batch_id desc) = 1
{%- endmacro %}

{#
  Rows extracted after the newest row the model holds (its `_extracted_at` watermark). Every landed row
  carries the time its batch was extracted; a re-extracted window is a new extraction, so it is read again.
  `holder`: the relation holding the watermark, when it is not the model itself (int_ii06a_counts' ledger).
  `since`: a scalar query of the watermark fixed earlier, used instead of reading the holder.
#}
{% macro extracted_after_held(column='_extracted_at', held='_extracted_at', holder=none, since=none) -%}
    {{ column }} > ({{ since or held_watermark(held, holder) }})
{%- endmacro %}

{#
  The newest `held` value of `holder` (the calling model when none): a scalar query, -infinity when empty.
#}
{% macro held_watermark(held='_extracted_at', holder=none) -%}
    select coalesce(max({{ held }}), '-infinity'::timestamptz) from {{ holder or this }}
{%- endmacro %}

{#
  The landed dossiers of both one-stop systems (dossier_sk, dossier_id, _extracted_at). In an incremental run
  of the calling model: only those whose dossier record, or a row of one of `changed_in` (relations with
  dossier_sk and _extracted_at: trails, supplements, letters, ratings), was extracted after the newest
  row the model holds (`held` names its watermark column). A row for a dossier not landed yet waits.
#}
{% macro landed_dossiers(changed_in=[], held='_extracted_at') -%}
    select dossier_sk, dossier_id, _extracted_at from (
        select dossier_sk, dossier_id, _extracted_at from {{ ref('stg_district_one_stop__dossiers') }}
        union all
        select dossier_sk, dossier_id, _extracted_at from {{ ref('stg_ward_one_stop__dossiers') }}
    ) as landed
    {%- if is_incremental() %}
    where {{ extracted_after_held(held=held) }}
    {%- if changed_in %}
        {#- one lookup of the landed keys in the (small) union of changed rows, not one per relation: each
            lookup is a pass over every landed dossier_sk #}
        or dossier_sk in (
        {%- for relation in changed_in %}
            {% if not loop.first %}union all {% endif %}select dossier_sk from {{ relation }} where {{ extracted_after_held(held=held) }}
        {%- endfor %})
    {%- endif %}
    {%- endif %}
{%- endmacro %}

{#
  Incremental runs only: keep a new row unless the model already holds a version of the same record that
  the full build would keep instead (a greater cursor, or the same cursor from a later batch). The model
  keeps `cursor_raw` and `batch_id` for this comparison.
#}
{% macro unless_held(alias, key) -%}
    {%- if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as held
        where held.{{ key }} = {{ alias }}.{{ key }}
          and (held.cursor_raw > {{ alias }}.cursor_raw
               or (held.cursor_raw = {{ alias }}.cursor_raw and held.batch_id > {{ alias }}.batch_id))
    )
    {%- endif %}
{%- endmacro %}

{#
  The rows of a child entity (steps, supplements, letters, signatures) that belong to the kept version of
  their parent: a later version of the parent replaces its whole list, so older lists are dropped.
  Incremental: only children extracted after the newest the model holds (a parent's new version lands
  with its children, in one batch); `replace_children` removes the old lists first.
#}
{% macro of_kept_version(child, parent, child_key, parent_key) -%}
    select c.* from {{ child }} as c
    inner join (select {{ parent_key }} as parent_key, batch_id, cursor_raw from {{ parent }}) as p
        on c.{{ child_key }} = p.parent_key and c._batch_id = p.batch_id and c._parent_cursor = p.cursor_raw
    {%- if is_incremental() %}
    where {{ extracted_after_held('c._extracted_at') }}
    {%- endif %}
{%- endmacro %}

{#
  pre_hook of a child model (incremental runs): drop the held list of every parent whose kept version
  was extracted after the newest child held (`held`: the watermark column of both), so a new version with a shorter (or empty) list
  replaces the old one. Rows re-read because the watermark fell are delete+inserted by parent key again.
#}
{% macro replace_children(parent, key, held='_extracted_at') -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ key }} in (
        select {{ key }} from {{ parent }} where {{ extracted_after_held(held, held) }})
    {%- else -%}
    select 1
    {%- endif -%}
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

{#
  Before an incremental build: every table an incremental model replaces rows of by key (config unique_key)
  must hold that key, else stop with an error naming the table and saying what to do. A warehouse built by
  an earlier version of the models lacks a key added since (dossier_sk, macros/keys.sql), and the model's
  SQL would otherwise fail on the held table with a binder error that names neither. One query of the
  catalog for every model.
#}
{% macro assert_held_keys() -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- set held = {} -%}
        {%- for row in run_query("select table_catalog, table_schema, table_name, column_name from information_schema.columns") -%}
            {%- do held.setdefault((row[0] ~ '.' ~ row[1] ~ '.' ~ row[2]) | lower, []).append(row[3] | lower) -%}
        {%- endfor -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.unique_id in selected_resources
                and node.config.materialized == 'incremental' and node.config.unique_key -%}
            {%- set table = (node.database ~ '.' ~ node.schema ~ '.' ~ (node.alias or node.name)) | lower -%}
            {%- set keys = [node.config.unique_key] if node.config.unique_key is string else node.config.unique_key -%}
            {%- for key in keys if table in held and key | lower not in held[table] -%}
                {{ exceptions.raise_compiler_error(table ~ " holds no column " ~ key ~ ", the key " ~ node.name
                    ~ " replaces its rows by: the warehouse was built by an earlier version of the models. Run a"
                    ~ " full refresh once (the cchc_warehouse DAG with full_refresh=true, or dbt build --full-refresh)") }}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
