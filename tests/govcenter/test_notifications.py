from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from govcenter.channels import notification_deliver
from govcenter.models import Notification
from govcenter.services import notification_send


def send(user, title="新的矛盾纠纷", url="/grids/"):
    return notification_send(recipients=[user], title=title, body="正文", url=url)[0]


def test_inbox_lists_only_own_notifications(world, login):
    send(world.village1_user, "给村一")
    send(world.village2_user, "给村二")
    response = login(world.village1_user).get(reverse("notifications"))
    assert response.status_code == 200
    assert "给村一" in response.text and "给村二" not in response.text


def test_inbox_requires_login(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_unread_badge_counts_unread(world, login):
    for i in range(3):
        send(world.village1_user, f"消息{i}")
    response = login(world.village1_user).get(reverse("home"))
    assert 'id="unread-badge">3' in response.text


def test_unread_count_shows_beside_the_collapsed_menu_with_a_label(world, login):
    """On a phone the navbar is collapsed: the count sits beside the toggler, links to the
    unread messages and says what it counts to a screen reader."""
    for i in range(2):
        send(world.grid1_user, f"消息{i}")
    client = login(world.grid1_user)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("home")).text
    start = html.index('id="unread-badge-collapsed"')
    badge = html[html.rindex("<a", 0, start) : html.index("</a>", start)]
    assert "d-lg-none" in badge and 'aria-label="2 unread notifications"' in badge
    assert f'href="{reverse("notifications")}?unread=1"' in badge and badge.endswith(">2")
    assert html.index("unread-badge-collapsed") < html.index("navbar-toggler")


def test_no_collapsed_badge_without_unread(world, login):
    assert "unread-badge-collapsed" not in login(world.grid1_user).get(reverse("home")).text


def test_opening_marks_read_and_goes_to_the_item(world, login):
    n = send(world.village1_user, url="/grids/")
    response = login(world.village1_user).post(reverse("notification_open", args=[n.pk]))
    assert response.status_code == 302 and response.url == "/grids/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_opening_someone_elses_notification_is_404(world, login):
    n = send(world.village2_user)
    response = login(world.village1_user).post(reverse("notification_open", args=[n.pk]))
    assert response.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_open_needs_post_and_login(world, client):
    n = send(world.village1_user)
    assert client.post(reverse("notification_open", args=[n.pk])).status_code == 302
    client.force_login(world.village1_user)
    assert client.get(reverse("notification_open", args=[n.pk])).status_code == 405


def test_an_offsite_link_is_not_followed(world, login):
    n = send(world.village1_user, url="https://evil.example/")
    response = login(world.village1_user).post(reverse("notification_open", args=[n.pk]))
    assert response.url == reverse("notifications")


def test_mark_all_read(world, login):
    send(world.village1_user)
    send(world.village1_user)
    other = send(world.village2_user)
    login(world.village1_user).post(reverse("notification_read_all"))
    assert not Notification.objects.filter(recipient=world.village1_user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_profile_page_sets_channels(world, login):
    client = login(world.village1_user)
    assert client.get(reverse("profile")).status_code == 200
    response = client.post(
        reverse("profile"),
        {
            "full_name": "村一",
            "email": "v1@example.org",
            "phone": "138 1234 5678",
            "notify_by_email": "on",
            "notify_by_sms": "on",
        },
    )
    assert response.status_code == 302
    world.village1_user.refresh_from_db()
    assert world.village1_user.phone == "13812345678" and world.village1_user.notify_by_sms


def test_profile_rejects_sms_without_a_phone_and_keeps_input(world, login):
    response = login(world.village1_user).post(
        reverse("profile"), {"full_name": "村一新名", "email": "", "phone": "12345", "notify_by_sms": "on"}
    )
    assert response.status_code == 200
    assert "村一新名" in response.text
    assert response.context["form"].errors["phone"]


def test_profile_requires_login(client):
    assert client.get(reverse("profile")).status_code == 302


def test_email_and_sms_copies_follow_the_users_choice(world, sms_outbox):
    user = world.village1_user
    user.email, user.notify_by_email, user.phone, user.notify_by_sms = "v1@example.org", True, "13812345678", True
    user.save()
    n = send(user)
    assert n.delivered_at is None
    assert notification_deliver(notification_id=n.pk) is True
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["v1@example.org"]
    assert sms_outbox and sms_outbox[0][0] == "13812345678"


def test_delivery_happens_once(world, sms_outbox):
    user = world.village1_user
    user.email = "v1@example.org"
    user.save()
    n = send(user)
    assert notification_deliver(notification_id=n.pk) is True
    assert notification_deliver(notification_id=n.pk) is False  # a redelivered task
    assert len(mail.outbox) == 1


def test_users_without_external_channels_need_no_delivery(world):
    world.village1_user.notify_by_email = False
    world.village1_user.save()
    n = send(world.village1_user)
    assert n.delivered_at is not None


def test_delivery_is_queued_only_after_commit(world, django_capture_on_commit_callbacks):
    user = world.village1_user
    user.email = "v1@example.org"
    user.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(user)
        assert len(mail.outbox) == 0
    assert len(callbacks) == 1
    callbacks[0]()  # the commit happens: the (eager) task sends the mail
    assert len(mail.outbox) == 1


def test_inactive_users_and_duplicates_get_one_or_no_message(world):
    world.village2_user.is_active = False
    world.village2_user.save()
    created = notification_send(
        recipients=[world.village1_user, world.village1_user, world.village2_user, None], title="x"
    )
    assert [n.recipient for n in created] == [world.village1_user]


@pytest.mark.parametrize("older,expected", [(0, 1), (3600, 0)])
def test_catch_up_requeues_undelivered_notifications(world, older, expected):
    from govcenter.tasks import deliver_pending_notifications

    world.village1_user.email = "v1@example.org"
    world.village1_user.save()
    send(world.village1_user)
    assert deliver_pending_notifications(older_than_seconds=-1 if older == 0 else older) == expected
    assert len(mail.outbox) == expected
