"""Liveness and readiness, as the load balancer and the supervisor see them."""

from shop import create_app


def test_healthz_says_the_process_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok"}


def test_readyz_is_503_when_redis_or_the_broker_is_unreachable(database_url):
    nowhere = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CACHE_REDIS_URL": nowhere,
            "CELERY_BROKER_URL": nowhere,
        },
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.json["checks"]
    assert checks["database"] == "ok"
    assert checks["redis"].startswith("failed")
    assert checks["broker"].startswith("failed")
