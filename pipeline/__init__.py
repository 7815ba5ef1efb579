"""Airflow glue: what the DAG tasks call (extract, dbt, audit, publish), Assets, the local Airflow and the demo.

The top floor: it imports the domain packages (extractors, warehouse, expectations, scoring,
simulators for the demo) and the foundations in cchc/; only dags/, bench/ and tests import it.
"""
