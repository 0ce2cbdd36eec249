import pytest

from .factories import build_world


@pytest.fixture
def world(db):
    return build_world()


def pass_second_factor(client, user):
    """Mark the client's session as having passed the administrators' second factor, with a
    confirmed authenticator app of the user's (what /accounts/two-factor/ does after a right code)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator app", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in as that user. A staff user has passed the
    second factor too, as every administrator entering Django admin must (tests/govcenter/
    test_two_factor.py logs in without it)."""

    def _login(user):
        client.force_login(user)
        if user.is_staff:
            pass_second_factor(client, user)
        return client

    return _login


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, past the second factor as well."""
    client.force_login(admin_user)
    pass_second_factor(client, admin_user)
    return client


def pytest_configure(config):
    from django.conf import settings

    # Hashing 15 demo passwords per test with PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run tasks in-process; the queue itself is tested in tests/integration."""
    from govcenter.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def sms_outbox(settings):
    from govcenter.channels import MemorySmsBackend

    settings.SMS_BACKEND = "govcenter.channels.MemorySmsBackend"
    MemorySmsBackend.outbox = []
    return MemorySmsBackend.outbox


@pytest.fixture(autouse=True)
def _english(request, settings):
    """Tests read messages in the English source text; the Chinese default is tested where it
    matters (tests marked ``zh``, the catalogue test and the browser tests)."""
    from django.utils import translation

    if request.node.get_closest_marker("zh") or request.node.get_closest_marker("browser"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
