from unittest import mock

from django.urls import reverse


def test_health_reports_each_dependency(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage"}
    assert all(c["ok"] for c in body["checks"].values())


def test_health_is_503_and_names_the_failing_dependency(client, db):
    with mock.patch("apps.core.health.default_storage.save", side_effect=OSError("disk full")):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["storage"]["ok"] is False
    assert "disk full" in body["checks"]["storage"]["detail"]
    assert body["checks"]["database"]["ok"] is True


def test_metrics_are_prometheus_text_for_the_monitoring_network(client, db):
    client.get(reverse("health"))
    response = client.get(reverse("metrics"), REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content


def test_metrics_are_refused_from_elsewhere_unless_signed_in_as_admin(client, analyst, admin_user):
    assert client.get(reverse("metrics"), REMOTE_ADDR="203.0.113.9").status_code == 403
    client.force_login(analyst)
    assert client.get(reverse("metrics"), REMOTE_ADDR="203.0.113.9").status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("metrics"), REMOTE_ADDR="203.0.113.9").status_code == 200


def test_security_headers_are_on_every_page(client, db):
    response = client.get(reverse("account_login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_client_ip_comes_from_the_trusted_proxy_hop_and_garbage_is_refused(client, db, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    forwarded = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "198.51.100.7, 127.0.0.1"}
    assert client.get(reverse("metrics"), **forwarded).status_code == 200  # the proxy saw 127.0.0.1
    spoofed = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "not-an-address"}
    assert client.get(reverse("metrics"), **spoofed).status_code == 403
    # From an address that is no trusted proxy, the header is the client's own word: ignored.
    direct = {"REMOTE_ADDR": "198.51.100.9", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    assert client.get(reverse("metrics"), **direct).status_code == 403


def test_forbidden_and_missing_pages_keep_the_portal_frame(client, analyst):
    client.force_login(analyst)
    forbidden = client.get(reverse("core:audit_list"))
    assert forbidden.status_code == 403
    assert b"You do not have permission" in forbidden.content and b"nav-main" in forbidden.content
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert b"nothing you are allowed to see" in missing.content
