"""The Airflow services of docker-compose.yml are deployed like the official compose: every role has a
healthcheck, roles wait for the services they need to be healthy, and the admin login comes from .env."""

from __future__ import annotations

from tests.deploy.test_compose import compose_config  # noqa: F401  (the validated, rendered compose file)

ROLES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-worker")


def test_every_airflow_role_has_a_healthcheck_and_waits_for_healthy_dependencies(compose_config):  # noqa: F811
    services = compose_config["services"]
    for role in ROLES:
        assert services[role]["healthcheck"]["test"], role
        depends = services[role]["depends_on"]
        assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy", role
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", role
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"


def test_admin_password_comes_from_env_and_dbt_mode_matches_local(compose_config):  # noqa: F811
    services = compose_config["services"]
    init = services["airflow-init"]
    assert init["environment"]["AIRFLOW_ADMIN_PASSWORD"] == "CHANGE-ME-admin"  # the value in .env.example
    assert "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" in " ".join(init["command"])
    for role in ROLES:
        env = services[role]["environment"]
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] == "/opt/airflow/auth/passwords.json"
        assert any(v["target"] == "/opt/airflow/auth" for v in services[role]["volumes"])
        assert env["CCHC_DBT_MODE"] == "build"
        assert env["AIRFLOW__COSMOS__CACHE_DIR"].startswith("/opt/airflow")
