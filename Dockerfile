# One image for every Airflow role and the simulators: the project installed from uv.lock.
FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH AIRFLOW_HOME=/opt/airflow
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /opt/cchc
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-install-project --no-dev --group deploy --compile-bytecode
COPY . .
RUN uv sync --frozen --no-dev --group deploy --compile-bytecode
# the manifest the warehouse DAG is rendered from (Cosmos LoadMode.DBT_MANIFEST)
RUN cd dbt_project && DBT_PROFILES_DIR=. DBT_SEND_ANONYMOUS_USAGE_STATS=false dbt parse --target-path target --quiet
