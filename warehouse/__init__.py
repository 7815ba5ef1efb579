"""Build, audit and publish the warehouse (write–audit–publish on DuckDB files)."""
