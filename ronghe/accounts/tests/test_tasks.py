from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.utils import timezone

from ronghe.accounts import tasks
from ronghe.accounts.models import User
from ronghe.core.models import AuditEvent
from ronghe.testing import Cast


@pytest.mark.req("B-2")
def test_accounts_unused_for_90_days_are_disabled_and_audited(cast: Cast) -> None:
    active = cast.users["secretary"]
    User.objects.filter(pk=active.pk).update(last_login=timezone.now() + timedelta(days=80))
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        disabled = tasks.disable_dormant_accounts.call_local()
    assert disabled == len(cast.users) - 1
    assert User.objects.get(pk=active.pk).is_active
    assert not User.objects.get(pk=cast.users["member"].pk).is_active
    rows = AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_DISABLED, message="dormant")
    assert rows.count() == disabled


@pytest.mark.req("B-2")
def test_recent_accounts_are_left_alone(cast: Cast) -> None:
    assert tasks.disable_dormant_accounts.call_local() == 0
    assert User.objects.filter(is_active=False).count() == 0


@pytest.mark.req("F-1")
def test_expired_sessions_are_cleared(cast: Cast) -> None:
    cast.client("member")
    cast.client("leader")
    assert Session.objects.count() == 2
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        assert tasks.clear_expired_sessions.call_local() == 2
    assert Session.objects.count() == 0
